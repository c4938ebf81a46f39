namespace ComfyUI.Reactive.Registry;

/// <summary>Where a job enqueued by id stands.</summary>
public enum JobStatus
{
    /// <summary>Waiting: in the pool's queue or in a server's queue (again after a failed attempt that is retried).</summary>
    Queued,

    /// <summary>A server is running it.</summary>
    Running,

    /// <summary>Finished with a result (<see cref="JobSnapshot.Result"/>).</summary>
    Completed,

    /// <summary>Finished with an error (<see cref="JobSnapshot.Error"/>).</summary>
    Failed,

    /// <summary>Cancelled by <c>Cancel(jobId)</c> or because its owner (pool, client) was disposed or stopped.</summary>
    Cancelled,
}
