using System.Text.Json;

namespace ComfyUI.Reactive.Redis.Records;

/// <summary>
/// A <c>JobUpdate</c> as a job's update stream stores it: one flat record whose <see cref="Kind"/> says which fields
/// matter. Previews are not stored (image bytes would make the stream unbounded); a failure is its type name and message.
/// </summary>
internal sealed record StoredUpdate
{
    public const string Queued = "queued";
    public const string Started = "started";
    public const string Cached = "cached";
    public const string NodeStarted = "node";
    public const string Progress = "progress";
    public const string NodeOutput = "output";
    public const string TextFrame = "text";
    public const string AttemptFailed = "attempt_failed";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    public required string Kind { get; init; }

    public string PromptId { get; init; } = string.Empty;

    public string? Server { get; init; }

    public int? Position { get; init; }

    public double? QueueWaitMs { get; init; }

    public List<string>? Nodes { get; init; }

    public string? NodeId { get; init; }

    public string? ClassType { get; init; }

    public string? Title { get; init; }

    public double? Value { get; init; }

    public double? Max { get; init; }

    public double? Fraction { get; init; }

    public double? RemainingMs { get; init; }

    public string? Text { get; init; }

    public int? Attempt { get; init; }

    public bool? WillRetry { get; init; }

    public string? ErrorType { get; init; }

    public string? Error { get; init; }

    /// <summary>A node output's UI JSON (<c>NodeOutput.Raw</c>).</summary>
    public JsonElement? Output { get; init; }

    public StoredResult? Result { get; init; }

    public bool IsTerminal => Kind is Completed or Failed or Cancelled;
}

/// <summary>A <c>JobResult</c> as stored: outputs as the server's UI JSON, aliases, timings, the pool's timings.</summary>
internal sealed record StoredResult
{
    public required string PromptId { get; init; }

    public List<StoredOutput> Outputs { get; init; } = [];

    public Dictionary<string, string> Aliases { get; init; } = new(StringComparer.Ordinal);

    public DateTimeOffset SubmittedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset CompletedAt { get; init; }

    public Dictionary<string, double> NodeMs { get; init; } = new(StringComparer.Ordinal);

    public string? PoolServer { get; init; }

    public int PoolAttempts { get; init; }

    public double PoolWaitMs { get; init; }

    public double PoolRunMs { get; init; }
}

/// <summary>One node's output as stored.</summary>
internal sealed record StoredOutput(string NodeId, string? ClassType, JsonElement Output);
