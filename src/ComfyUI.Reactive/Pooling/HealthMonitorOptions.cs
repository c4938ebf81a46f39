namespace ComfyUI.Reactive.Pooling;

/// <summary>How a <see cref="HealthMonitor"/> probes one server.</summary>
internal sealed class HealthMonitorOptions
{
    /// <summary>Time between periodic probes (measured from the end of one to the start of the next); null or zero
    /// disables them. The one-off probe when the socket drops runs regardless: it is how a dead server is told from a
    /// disconnected one. Default 5 s.</summary>
    public TimeSpan? Interval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Time between probes while the socket is down (whatever <see cref="Interval"/> says): a disconnected server
    /// that then dies (or a dead one whose HTTP comes back) is noticed within about this long. Null or zero disables them.
    /// Default 1 s.</summary>
    public TimeSpan? DisconnectedInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one probe may take before it counts as failed. Default 5 s.</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Consecutive failed probes (socket connected) that make a server <see cref="ServerHealth.Unhealthy"/>.
    /// Default 3.</summary>
    public int FailureThreshold { get; init; } = 3;

    /// <summary>The delay before the next probe, or null for none.</summary>
    /// <param name="socketUp">Whether the socket is connected.</param>
    internal TimeSpan? NextProbeDelay(bool socketUp) =>
        (socketUp ? Interval : DisconnectedInterval) is { } delay && delay > TimeSpan.Zero ? delay : null;

    /// <summary>Throws when a value is out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    internal void Validate()
    {
        if (Interval is { } interval && interval < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Interval), interval, "The probe interval cannot be negative.");
        }

        if (DisconnectedInterval is { } disconnected && disconnected < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(DisconnectedInterval), disconnected, "The probe interval cannot be negative.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ProbeTimeout, TimeSpan.Zero, nameof(ProbeTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(FailureThreshold, 1, nameof(FailureThreshold));
    }
}
