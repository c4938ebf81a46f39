namespace ComfyUI.Reactive.Pooling;

/// <summary>How a <see cref="PoolScheduler"/> places jobs.</summary>
internal sealed class PoolSchedulerOptions
{
    /// <summary>Jobs kept in flight per server unless the server says otherwise. Default 2: one running and one waiting
    /// in the server's own queue, so the GPU does not idle between jobs while everything else stays in the pool's queue
    /// where it can still go to whichever server frees first.</summary>
    public int DefaultCapacity { get; init; } = 2;

    /// <summary>Consecutive server-fault failures of one (server, workflow hash) that start a cooldown; 0 disables.
    /// Default 3.</summary>
    public int CooldownThreshold { get; init; } = 3;

    /// <summary>How long a (server, workflow hash) cooldown lasts. Default 1 minute.</summary>
    public TimeSpan CooldownPeriod { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a job that failed on every server in rotation waits before one of those servers may take it
    /// again. A server it has not failed on takes it at once; this only stops a hot loop of attempts on the one server
    /// left (a 503 burst would otherwise use up every attempt within milliseconds). Default 1 s; zero disables.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Recognises failures that are the workflow's own beyond <see cref="FailureClassifier"/>'s rules (the job
    /// layer adds node execution errors), or null.</summary>
    public Func<Exception, bool>? IsWorkflowFault { get; init; }

    /// <summary>Creates the pool's meter (the host's), or null for a meter of the pool's own.</summary>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; init; }

    /// <summary>Throws when a value is out of range.</summary>
    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(DefaultCapacity, 1, nameof(DefaultCapacity));
        ArgumentOutOfRangeException.ThrowIfNegative(CooldownThreshold, nameof(CooldownThreshold));
        ArgumentOutOfRangeException.ThrowIfLessThan(CooldownPeriod, TimeSpan.Zero, nameof(CooldownPeriod));
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryDelay, TimeSpan.Zero, nameof(RetryDelay));
    }
}
