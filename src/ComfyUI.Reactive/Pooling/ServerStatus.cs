namespace ComfyUI.Reactive.Pooling;

/// <summary>One server's state in a pool at one moment.</summary>
/// <param name="Server">The server.</param>
/// <param name="State">Its state.</param>
/// <param name="InFlight">Jobs submitted to it and not finished (running or waiting in its own queue).</param>
/// <param name="Capacity">The most jobs the pool keeps in flight on it (default 2: one running, one waiting, so the
/// GPU does not idle between jobs).</param>
public sealed record ServerStatus(ServerId Server, ServerState State, int InFlight, int Capacity);
