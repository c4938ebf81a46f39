using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Pooling;

namespace ComfyUI.Reactive.Registry;

/// <summary>
/// One job enqueued by id, as it stands at one moment (<c>GetAsync(jobId)</c>): status, where it runs, how far it got,
/// and its result or error once finished. Immutable; a new snapshot is made per call.
/// </summary>
/// <param name="Id">The job's id.</param>
/// <param name="Status">Where it stands.</param>
public sealed record JobSnapshot(JobId Id, JobStatus Status)
{
    /// <summary>Whether the job finished (completed, failed or cancelled): its snapshot no longer changes.</summary>
    public bool IsFinished => Status is JobStatus.Completed or JobStatus.Failed or JobStatus.Cancelled;

    /// <summary>The server of its latest attempt (pool jobs), or null.</summary>
    public ServerId? Server { get; init; }

    /// <summary>The prompt id of its latest attempt, or null before a server accepted it.</summary>
    public string? PromptId { get; init; }

    /// <summary>How far the latest attempt got, 0..1 (<see cref="JobProgress.Fraction"/>); 1 once completed.</summary>
    public double Fraction { get; init; }

    /// <summary>How many attempts failed so far (pool jobs that moved to another server).</summary>
    public int FailedAttempts { get; init; }

    /// <summary>The latest update the job produced, or null before the first.</summary>
    public JobUpdate? LatestUpdate { get; init; }

    /// <summary>The latest preview image of the latest attempt, or null.</summary>
    public JobPreview? LatestPreview { get; init; }

    /// <summary>When it was enqueued (the owner's scheduler clock).</summary>
    public DateTimeOffset EnqueuedAt { get; init; }

    /// <summary>When its latest attempt started running, or null.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When it finished, or null.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>The result when <see cref="JobStatus.Completed"/>.</summary>
    public JobResult? Result { get; init; }

    /// <summary>The error when <see cref="JobStatus.Failed"/> (the same typed exception the cold job fails with), or an
    /// <see cref="OperationCanceledException"/> when <see cref="JobStatus.Cancelled"/>.</summary>
    public Exception? Error { get; init; }

    /// <summary>The labels given at <c>Enqueue</c> (pool jobs), or empty.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
}
