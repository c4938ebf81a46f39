namespace ComfyUI.Reactive;

/// <summary>Synchronous disposal of owners that close sockets asynchronously.</summary>
internal static class Lifetime
{
    /// <summary>How long a synchronous dispose waits for the asynchronous one.</summary>
    internal static readonly TimeSpan SyncDisposeBound = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs <paramref name="disposeAsync"/> on the thread pool (so a UI or legacy ASP.NET synchronization context cannot
    /// deadlock it) and waits a bounded time. A container disposing synchronously must not throw, so a failure or an
    /// overrun is swallowed: the asynchronous part finishes (or fails) in the background.
    /// </summary>
    public static void DisposeBlocking(Func<ValueTask> disposeAsync)
    {
        try
        {
            Task.Run(async () => await disposeAsync().ConfigureAwait(false)).Wait(SyncDisposeBound);
        }
#pragma warning disable CA1031 // Dispose must not throw; the async dispose logs what it can.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
