using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Redis.Queue;

/// <summary>
/// A job as its queue entry carries it: plain data, everything another process needs to run it (the core's
/// <c>PoolWorkItem</c> less what the local scheduler adds: attempts, exclusions, requirements, which it derives again).
/// </summary>
internal sealed record QueuedJob
{
    /// <summary>The job id (<c>JobId</c>), also the entry's <c>job</c> field.</summary>
    public required string JobId { get; init; }

    /// <summary>The API-format workflow JSON.</summary>
    public required string Workflow { get; init; }

    /// <summary>Output aliases (alias to node id): they are not part of the API-format JSON.</summary>
    public Dictionary<string, string> Aliases { get; init; } = new(StringComparer.Ordinal);

    public int Priority { get; init; }

    public List<string> Tags { get; init; } = [];

    public int? MaxAttempts { get; init; }

    public bool RetryWorkflowFailures { get; init; }

    public Dictionary<string, string> Labels { get; init; } = new(StringComparer.Ordinal);

    public DateTimeOffset EnqueuedAt { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, RedisJsonContext.Default.QueuedJob);

    /// <summary>Reads an entry's payload; null when it is not a valid job (the caller dead-letters it).</summary>
    public static QueuedJob? TryParse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }

        try
        {
            var job = JsonSerializer.Deserialize(json, RedisJsonContext.Default.QueuedJob);
            return job is { JobId.Length: > 0, Workflow.Length: > 0 } ? job : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>Source-generated JSON for everything the package stores (trimming- and AOT-safe).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(QueuedJob))]
[JsonSerializable(typeof(Records.StoredUpdate))]
internal sealed partial class RedisJsonContext : JsonSerializerContext;
