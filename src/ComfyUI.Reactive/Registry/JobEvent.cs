using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Pooling;

namespace ComfyUI.Reactive.Registry;

/// <summary>
/// One step of one job's lifecycle in a job stream (<see cref="Pooling.ComfyPool.Jobs"/>, <see cref="ComfyClient.Jobs"/>):
/// what a dashboard shows. Every job enqueued by id produces <see cref="JobEventKind.Queued"/> first and exactly one of
/// <see cref="JobEventKind.Completed"/>, <see cref="JobEventKind.Failed"/> or <see cref="JobEventKind.Cancelled"/> last.
/// </summary>
/// <param name="Id">The job.</param>
/// <param name="Kind">What happened.</param>
/// <param name="Timestamp">When (the owner's scheduler clock).</param>
public sealed record JobEvent(JobId Id, JobEventKind Kind, DateTimeOffset Timestamp)
{
    /// <summary>The server involved (pool jobs once a server took it), or null.</summary>
    public ServerId? Server { get; init; }

    /// <summary>The prompt id of the attempt, or null before a server accepted it.</summary>
    public string? PromptId { get; init; }

    /// <summary>How far the job got, 0..1.</summary>
    public double Fraction { get; init; }

    /// <summary>The update behind the event (<see cref="JobStarted"/>, <see cref="JobProgress"/>, <see cref="JobPreview"/>,
    /// <see cref="JobAttemptFailed"/>, <see cref="JobCompleted"/>), or null.</summary>
    public JobUpdate? Update { get; init; }

    /// <summary>The error of <see cref="JobEventKind.Failed"/>, <see cref="JobEventKind.Cancelled"/> and
    /// <see cref="JobEventKind.AttemptFailed"/>, else null.</summary>
    public Exception? Error { get; init; }
}
