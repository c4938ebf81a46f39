using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Models;

/// <summary>
/// A job from the jobs API (servers since December 2025): a normalised view of a queued, running or finished prompt.
/// The server omits null keys; the detail answer (<c>GET /api/jobs/{id}</c>) adds outputs, status and workflow.
/// </summary>
public sealed class JobEntry
{
    /// <summary>The job id (the prompt id).</summary>
    [JsonPropertyName("id")]
    public string Id { get; init; } = string.Empty;

    /// <summary>One of the <see cref="JobStatus"/> values.</summary>
    [JsonPropertyName("status")]
    public string Status { get; init; } = string.Empty;

    /// <summary>The queue priority (<c>number</c>).</summary>
    [JsonPropertyName("priority")]
    public double? Priority { get; init; }

    /// <summary>When the prompt was queued, in epoch milliseconds.</summary>
    [JsonPropertyName("create_time")]
    [JsonConverter(typeof(FlexibleInt64JsonConverter))]
    public long? CreateTime { get; init; }

    /// <summary>The number of outputs (0 for queued jobs).</summary>
    [JsonPropertyName("outputs_count")]
    [JsonConverter(typeof(FlexibleInt64JsonConverter))]
    public long? OutputsCount { get; init; }

    /// <summary>The UI workflow id, when the prompt carried one.</summary>
    [JsonPropertyName("workflow_id")]
    public string? WorkflowId { get; init; }

    /// <summary>When execution started, in epoch milliseconds (finished jobs).</summary>
    [JsonPropertyName("execution_start_time")]
    [JsonConverter(typeof(FlexibleInt64JsonConverter))]
    public long? ExecutionStartTime { get; init; }

    /// <summary>When execution ended, in epoch milliseconds (finished jobs).</summary>
    [JsonPropertyName("execution_end_time")]
    [JsonConverter(typeof(FlexibleInt64JsonConverter))]
    public long? ExecutionEndTime { get; init; }

    /// <summary>The full <c>execution_error</c> payload of a failed job, or null.</summary>
    [JsonPropertyName("execution_error")]
    public JsonElement? ExecutionError { get; init; }

    /// <summary>One representative output item plus <c>nodeId</c> and <c>mediaType</c>, or null.</summary>
    [JsonPropertyName("preview_output")]
    public JsonElement? PreviewOutput { get; init; }

    /// <summary>Detail only: node id → UI output.</summary>
    [JsonPropertyName("outputs")]
    public IReadOnlyDictionary<string, NodeOutput>? Outputs { get; init; }

    /// <summary>Detail only: the history status of a finished job.</summary>
    [JsonPropertyName("execution_status")]
    public HistoryStatus? ExecutionStatus { get; init; }

    /// <summary>Detail only: <c>{prompt, extra_data}</c> as queued.</summary>
    [JsonPropertyName("workflow")]
    public JsonElement? Workflow { get; init; }
}
