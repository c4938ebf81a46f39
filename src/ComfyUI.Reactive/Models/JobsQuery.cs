namespace ComfyUI.Reactive.Models;

/// <summary>Filters, order and page of <c>GET /api/jobs</c>. Null members are not sent (the server's defaults apply).</summary>
public sealed class JobsQuery
{
    /// <summary>Only jobs in these states: <see cref="JobStatus.Pending"/>, <see cref="JobStatus.InProgress"/>,
    /// <see cref="JobStatus.Completed"/>, <see cref="JobStatus.Failed"/>, <see cref="JobStatus.Cancelled"/>. Null or empty: all.</summary>
    public IReadOnlyList<string>? Statuses { get; init; }

    /// <summary>Only jobs of this UI workflow (<c>extra_pnginfo.workflow.id</c>).</summary>
    public string? WorkflowId { get; init; }

    /// <summary><c>created_at</c> (the server's default) or <c>execution_duration</c>.</summary>
    public string? SortBy { get; init; }

    /// <summary><c>desc</c> (the server's default) or <c>asc</c>.</summary>
    public string? SortOrder { get; init; }

    /// <summary>The page size; must be positive when set.</summary>
    public int? Limit { get; init; }

    /// <summary>The number of jobs to skip; must not be negative when set.</summary>
    public int? Offset { get; init; }
}

/// <summary>The job states of the jobs API.</summary>
public static class JobStatus
{
    /// <summary>Waiting in the queue.</summary>
    public const string Pending = "pending";

    /// <summary>Running now.</summary>
    public const string InProgress = "in_progress";

    /// <summary>Finished successfully.</summary>
    public const string Completed = "completed";

    /// <summary>Failed with an error.</summary>
    public const string Failed = "failed";

    /// <summary>Interrupted or cancelled (servers since 2026; older ones report <c>failed</c>).</summary>
    public const string Cancelled = "cancelled";
}
