using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Models;

/// <summary>The answer of <c>GET /prompt</c>, the same object as the websocket <c>status</c> payload.</summary>
public sealed class QueueStatus
{
    /// <summary>The queue counters.</summary>
    [JsonPropertyName("exec_info")]
    public QueueExecInfo ExecInfo { get; init => field = value ?? new(); } = new();

    /// <summary>Prompts pending plus running (<c>exec_info.queue_remaining</c>).</summary>
    [JsonIgnore]
    public long QueueRemaining => ExecInfo.QueueRemaining;
}

/// <summary>The <c>exec_info</c> object of a queue status.</summary>
public sealed class QueueExecInfo
{
    /// <summary>Prompts pending plus running.</summary>
    [JsonPropertyName("queue_remaining")]
    [JsonConverter(typeof(FlexibleInt64JsonConverter))]
    public long QueueRemaining { get; init; }
}
