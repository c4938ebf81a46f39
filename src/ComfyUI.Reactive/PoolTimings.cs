namespace ComfyUI.Reactive;

/// <summary>How a pool ran one job (<see cref="Jobs.JobResult.Pool"/>), on the pool's scheduler clock.</summary>
/// <param name="Server">The server whose attempt produced the result.</param>
/// <param name="Attempts">Attempts started, the successful one included (1 when the first one succeeded).</param>
/// <param name="WaitTime">Time spent waiting in the pool's queue for a server, over all attempts.</param>
/// <param name="RunTime">Time spent in attempts (on a server, its own queue included), over all attempts.</param>
public sealed record PoolTimings(ServerId Server, int Attempts, TimeSpan WaitTime, TimeSpan RunTime);
