namespace ComfyUI.Reactive.Pooling;

/// <summary>
/// One job as the pool's queue holds it: plain, serialisable data (no live objects), so that a distributed queue can
/// store it and another process can read it back. The job's observers and subscriptions live in the scheduler, keyed by
/// <see cref="Id"/>.
/// </summary>
public sealed record PoolWorkItem
{
    /// <summary>The job id, unique in the pool (the queue rejects duplicates).</summary>
    public required string Id { get; init; }

    /// <summary>Higher runs first. Default 0.</summary>
    public int Priority { get; init; }

    /// <summary>When the job was first enqueued (scheduler time).</summary>
    public DateTimeOffset EnqueuedAt { get; init; }

    /// <summary>How many attempts have been started, including the current one once reserved (1 for the first).</summary>
    public int Attempts { get; init; }

    /// <summary>The most attempts this job may get; a server-fault failure of the last one dead-letters it.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>What a server must have to run the job.</summary>
    public required WorkflowRequirements Requirements { get; init; }

    /// <summary>The API-format workflow JSON to submit (seeds still <c>-1</c> are drawn per attempt by the job layer).</summary>
    public required string WorkflowJson { get; init; }

    /// <summary>The workflow's structural hash (<c>Workflow.Hash</c>): what cooldowns are keyed by.</summary>
    public required string WorkflowHash { get; init; }

    /// <summary>Servers whose attempt failed through their own fault: the job avoids them while another capable server in
    /// rotation has not failed it.</summary>
    public IReadOnlyList<ServerId> ExcludedServers { get; init; } = [];

    /// <summary>Whether a failure that is the workflow's own (validation, a node's exception) is retried on another
    /// server like a server fault instead of failing the job at once. Default false.</summary>
    public bool RetryWorkflowFaults { get; init; }

    /// <summary>Free-form labels carried with the job (e.g. the caller's correlation id); not used for matching.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
