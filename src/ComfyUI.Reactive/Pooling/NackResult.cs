namespace ComfyUI.Reactive.Pooling;

/// <summary>What a negative acknowledgement did.</summary>
public enum NackResult
{
    /// <summary>The item was not reserved (already acked, removed, or unknown).</summary>
    NotFound = 0,

    /// <summary>The item is pending again, in its original place, for another attempt.</summary>
    Requeued = 1,

    /// <summary>The item had used its last attempt: it left the queue for good.</summary>
    DeadLettered = 2,
}
