namespace ComfyUI.Reactive.Jobs;

/// <summary>When a job was submitted, started and finished, on the client's scheduler clock.</summary>
public sealed class JobTimings
{
    internal JobTimings(DateTimeOffset submittedAt, DateTimeOffset? startedAt, DateTimeOffset completedAt, IReadOnlyDictionary<string, TimeSpan> nodes)
    {
        SubmittedAt = submittedAt;
        StartedAt = startedAt;
        CompletedAt = completedAt;
        Nodes = nodes;
    }

    /// <summary>When the submission was sent.</summary>
    public DateTimeOffset SubmittedAt { get; }

    /// <summary>When the server started the prompt; null when the start was not observed (the job was recovered from history).</summary>
    public DateTimeOffset? StartedAt { get; }

    /// <summary>When the job completed.</summary>
    public DateTimeOffset CompletedAt { get; }

    /// <summary>Time waiting in the queue (submission to start); null when the start was not observed.</summary>
    public TimeSpan? QueueWait => StartedAt - SubmittedAt;

    /// <summary>Time executing (start to completion); null when the start was not observed.</summary>
    public TimeSpan? Execution => CompletedAt - StartedAt;

    /// <summary>Submission to completion.</summary>
    public TimeSpan Total => CompletedAt - SubmittedAt;

    /// <summary>Per executed node, from its <c>executing</c> to the next node's (or the end). Cached nodes are absent.</summary>
    public IReadOnlyDictionary<string, TimeSpan> Nodes { get; }

    /// <summary>Returns the queue wait and execution time.</summary>
    public override string ToString() => $"queued {QueueWait?.TotalMilliseconds:0} ms, executed {Execution?.TotalMilliseconds:0} ms, total {Total.TotalMilliseconds:0} ms";
}
