using System.Runtime.CompilerServices;

namespace ComfyUI.Reactive.Transport;

/// <summary>
/// <c>await task.ResumeInline()</c>: resume on the thread that completed the task, whatever synchronization context
/// that thread has.
/// </summary>
/// <remarks>
/// <c>ConfigureAwait(false)</c> is not enough for the reconnect loop: the runtime refuses to run such a continuation
/// inline when the completing thread has a non-default <see cref="SynchronizationContext"/> (xunit's, a UI thread's)
/// and queues it to the thread pool instead. Under a <c>TestScheduler</c> that means the loop would run on another
/// thread after <c>AdvanceBy</c> returns, and virtual-time tests (ours and the client's) would race. Resuming inline
/// makes "advance the clock" run the loop to its next wait, deterministically. The loop has no thread affinity, so
/// in production this only saves a thread hop; tasks created with
/// <see cref="TaskCreationOptions.RunContinuationsAsynchronously"/> still resume on the pool, and the runtime still
/// queues instead of inlining when the stack runs deep.
/// </remarks>
internal static class InlineResumption
{
    /// <summary>Awaits <paramref name="task"/>, resuming on the completing thread.</summary>
    public static InlineAwaitable ResumeInline(this Task task) => new(task);

    /// <summary>Awaits <paramref name="task"/>, resuming on the completing thread.</summary>
    public static InlineAwaitable<T> ResumeInline<T>(this Task<T> task) => new(task);

    /// <summary>The awaitable and awaiter of <see cref="ResumeInline(Task)"/>.</summary>
    internal readonly struct InlineAwaitable(Task task) : ICriticalNotifyCompletion
    {
        /// <summary>Whether the task has completed.</summary>
        public bool IsCompleted => task.IsCompleted;

        /// <summary>Returns itself (the awaitable is its own awaiter).</summary>
        public InlineAwaitable GetAwaiter() => this;

        /// <summary>Rethrows the task's exception, if any.</summary>
        public void GetResult() => task.GetAwaiter().GetResult();

        /// <inheritdoc />
        public void OnCompleted(Action continuation) => Schedule(task, continuation);

        /// <inheritdoc />
        public void UnsafeOnCompleted(Action continuation) => Schedule(task, continuation);
    }

    /// <summary>The awaitable and awaiter of <see cref="ResumeInline{T}(Task{T})"/>.</summary>
    internal readonly struct InlineAwaitable<T>(Task<T> task) : ICriticalNotifyCompletion
    {
        /// <summary>Whether the task has completed.</summary>
        public bool IsCompleted => task.IsCompleted;

        /// <summary>Returns itself (the awaitable is its own awaiter).</summary>
        public InlineAwaitable<T> GetAwaiter() => this;

        /// <summary>The task's result, or its exception rethrown.</summary>
        public T GetResult() => task.GetAwaiter().GetResult();

        /// <inheritdoc />
        public void OnCompleted(Action continuation) => Schedule(task, continuation);

        /// <inheritdoc />
        public void UnsafeOnCompleted(Action continuation) => Schedule(task, continuation);
    }

    // ExecuteSynchronously continuations are inlined by the default task scheduler regardless of the current
    // synchronization context (unlike await continuations).
    private static void Schedule(Task task, Action continuation) =>
        task.ContinueWith(
            static (_, state) => ((Action)state!)(),
            continuation,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
}
