namespace ComfyUI.Reactive.Pooling;

/// <summary>How a <see cref="HealthMonitor"/> probes one server.</summary>
internal sealed class HealthMonitorOptions
{
    /// <summary>Time between periodic probes while the socket is up (measured from the end of one to the start of the
    /// next); null or zero disables them. Whether a server whose socket dropped is dead is the session's liveness
    /// verdict, not a probe's. Default 5 s.</summary>
    public TimeSpan? Interval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one probe may take before it counts as failed. Default 5 s.</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Consecutive failed probes (socket connected) that make a server <see cref="ServerHealth.Unhealthy"/>.
    /// Default 3.</summary>
    public int FailureThreshold { get; init; } = 3;

    /// <summary>The delay before the next probe, or null for none.</summary>
    internal TimeSpan? NextProbeDelay() => Interval is { } delay && delay > TimeSpan.Zero ? delay : null;

    /// <summary>Throws when a value is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    internal void Validate()
    {
        if (Interval is { } interval && interval < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Interval), interval, "The probe interval cannot be negative.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ProbeTimeout, TimeSpan.Zero, nameof(ProbeTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(FailureThreshold, 1, nameof(FailureThreshold));
    }
}
