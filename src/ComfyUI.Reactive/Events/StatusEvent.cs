namespace ComfyUI.Reactive.Events;

/// <summary>
/// <c>status</c>: the queue changed (submit, a worker took an item, an item finished, clear or delete).
/// Broadcast to every socket; carries no prompt id.
/// </summary>
/// <param name="QueueRemaining">Running plus pending prompts (<c>status.exec_info.queue_remaining</c>).</param>
/// <param name="Sid">
/// The session id; present only on the first frame of a socket. Pass it as <c>client_id</c> when the
/// client did not choose its own id.
/// </param>
public sealed record StatusEvent(int QueueRemaining, string? Sid)
    : ComfyEvent(ComfyEventTypes.Status, null);
