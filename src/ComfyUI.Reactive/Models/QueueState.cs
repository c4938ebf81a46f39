using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Models;

/// <summary>The answer of <c>GET /queue</c>: what runs now and what waits.</summary>
public sealed class QueueState
{
    /// <summary>The running prompts (at most one on a stock server).</summary>
    [JsonPropertyName("queue_running")]
    public IReadOnlyList<QueueItem> Running { get; init => field = value ?? []; } = [];

    /// <summary>The pending prompts in the order they will run: by <see cref="QueueItem.Number"/>, then by prompt id.</summary>
    /// <remarks>The server sends its internal heap array, which is not sorted; sorting here gives callers the real order.</remarks>
    [JsonPropertyName("queue_pending")]
    public IReadOnlyList<QueueItem> Pending { get; init => field = QueueItem.InRunOrder(value); } = [];
}
