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

    /// <summary>Runs <paramref name="write"/> after every write posted before it.</summary>
    public void Post(Func<Task> write)
    {
        lock (_lock)
        {
            _chain = _chain.ContinueWith(_ => write(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
        }
    }
}
