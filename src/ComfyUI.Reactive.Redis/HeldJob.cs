using ComfyUI.Reactive.Redis.Queue;

namespace ComfyUI.Reactive.Redis;

/// <summary>A job this process took from the queue and has not finished: its entry (to refresh and acknowledge), its
/// run's subscription, and a chain that writes its updates to Redis one after another, in order.</summary>
internal sealed class HeldJob(QueueEntry entry, QueuedJob job)
{
    private readonly Lock _lock = new();
    private Task _chain = Task.CompletedTask;

    public QueueEntry Entry { get; } = entry;

    public QueuedJob Job { get; } = job;

    public string Id => Job.JobId;

    /// <summary>The local pool job's subscription (disposing it cancels the prompt on its server).</summary>
    public IDisposable? Subscription { get; set; }

    /// <summary>Set once the job's end was written (or the job was handed over): later callbacks do nothing.</summary>
    public bool Ended { get; set; }

    /// <summary>Runs <paramref name="write"/> after every write posted before it; <paramref name="failed"/> hears of an
    /// unexpected failure (the chain goes on: one bad write must not silence the job's later ones).</summary>
    public void Post(Func<Task> write, Action<Exception> failed)
    {
        lock (_lock)
        {
            _chain = _chain.ContinueWith(
                async _ =>
                {
                    try
                    {
                        await write().ConfigureAwait(false);
                    }
#pragma warning disable CA1031 // Reported to the owner, which logs it; the entry is reclaimed later if the job never ends.
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        failed(ex);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.None,
                TaskScheduler.Default).Unwrap();
        }
    }
}
