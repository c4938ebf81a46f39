using ComfyUI.Reactive.Jobs;

namespace ComfyUI.Reactive.Pooling;

/// <summary>How a job ended in the pool.</summary>
internal enum PoolItemStatus
{
    /// <summary>An attempt succeeded.</summary>
    Succeeded = 0,

    /// <summary>It failed: a workflow fault, its last attempt's server fault, or no server left that can run it.</summary>
    Failed = 1,

    /// <summary>It was cancelled (or the pool was disposed) before it ended.</summary>
    Cancelled = 2,
}

/// <summary>The one final outcome of a job, with its timings.</summary>
/// <param name="ItemId">The job id.</param>
/// <param name="Status">How it ended.</param>
/// <param name="Server">The server of the last attempt, or null when none started.</param>
/// <param name="Attempts">Attempts started.</param>
/// <param name="Error">The failure (<see cref="PoolItemStatus.Failed"/>), else null.</param>
/// <param name="WaitTime">Total time waiting for a server, over all attempts.</param>
/// <param name="RunTime">Total time in attempts.</param>
/// <param name="Result">The winning attempt's <see cref="AttemptOutcome.Result"/> (<see cref="PoolItemStatus.Succeeded"/>), else null.</param>
internal sealed record PoolItemOutcome(
    string ItemId, PoolItemStatus Status, ServerId? Server, int Attempts, Exception? Error, TimeSpan WaitTime, TimeSpan RunTime,
    JobResult? Result = null);
