using ComfyUI.Reactive.Events;

namespace ComfyUI.Reactive.Pooling;

/// <summary>One event of one server of a pool (<see cref="ComfyPool.Events"/>).</summary>
/// <param name="Server">The server that sent it.</param>
/// <param name="Event">The event, as that server's <see cref="ComfyClient.Events"/> delivered it.</param>
public sealed record PoolEvent(ServerId Server, ComfyEvent Event);
