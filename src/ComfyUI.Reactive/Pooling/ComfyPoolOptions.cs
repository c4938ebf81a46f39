using System.Reactive.Concurrency;
using ComfyUI.Reactive.Registry;
using Microsoft.Extensions.Logging;

namespace ComfyUI.Reactive.Pooling;

/// <summary>How a <see cref="ComfyPool"/> schedules, watches and retries. Every property has a working default.</summary>
public sealed class ComfyPoolOptions
{
    /// <summary>The clock for health probes, cooldowns, capability refreshes and timings. Default
    /// <see cref="DefaultScheduler.Instance"/>; tests pass a <c>TestScheduler</c>.</summary>
    public IScheduler Scheduler { get; init; } = DefaultScheduler.Instance;

    /// <summary>How often a connected server's HTTP side is probed (<c>GET /prompt</c>). Default 5 seconds; null or zero
    /// disables the periodic probes (the probes after a socket drop, which tell dead from disconnected, still run).</summary>
    public TimeSpan? HealthCheckInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long one health probe may take before it counts as failed. Default 5 seconds.</summary>
    public TimeSpan HealthCheckTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Consecutive failed probes (socket still connected) that take a server out of rotation; one success brings
    /// it back. Default 3.</summary>
    public int FailureThreshold { get; init; } = 3;

    /// <summary>Jobs kept in flight per server (running plus waiting in the server's own queue). Default 2: one running
    /// and one waiting, so the GPU does not idle between jobs while the rest stays in the pool's queue.</summary>
    public int ServerCapacity { get; init; } = 2;

    /// <summary>The most attempts a job gets (a server fault on the last one fails the job with that error), unless
    /// <see cref="PoolJobOptions.MaxAttempts"/> says otherwise. Default 3.</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Consecutive server-fault failures of one workflow (structural hash) on one server after which that server
    /// does not get that workflow for <see cref="CooldownPeriod"/>; 0 disables. Default 3.</summary>
    public int CooldownThreshold { get; init; } = 3;

    /// <summary>How long such a cooldown lasts. Default 1 minute.</summary>
    public TimeSpan CooldownPeriod { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How often each server's capabilities (<c>/object_info</c>, model lists) are read again, to notice installed
    /// nodes and models. Default 5 minutes; null or zero disables (they are still read when a server joins, every time
    /// its socket reconnects, and when a server rejects a prompt).</summary>
    public TimeSpan? CapabilityRefreshInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The queue of waiting jobs. Null (default): a new <see cref="InMemoryPoolQueue"/>. Plug in another
    /// <see cref="IPoolQueue"/> (e.g. over a distributed store) to share work between processes.</summary>
    public IPoolQueue? Queue { get; init; }

    /// <summary>How long and how many finished jobs enqueued by id (<see cref="ComfyPool.Enqueue"/>) are kept, and how often
    /// <see cref="ComfyPool.Jobs"/> reports progress. Default: <see cref="JobRegistryOptions"/>'s defaults.</summary>
    public JobRegistryOptions Registry { get; init; } = new();

    /// <summary>Creates the pool's meter (<see cref="Diagnostics.ComfyTelemetry.PoolMeterName"/>): pass the host's
    /// <see cref="System.Diagnostics.Metrics.IMeterFactory"/> (<c>AddComfyPool</c> does) so that the instruments are scoped to
    /// the container and testable with <c>MetricCollector</c>. Null: the pool creates its own meter.</summary>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; init; }

    /// <summary>Where the pool logs server changes and failed attempts; null: nothing is logged.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> when a value is out of range.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Scheduler, nameof(Scheduler));
        ArgumentNullException.ThrowIfNull(Registry, nameof(Registry));
        Registry.Validate();
        if (HealthCheckInterval is { } interval && interval < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(HealthCheckInterval), "HealthCheckInterval must not be negative.");
        }

        if (CapabilityRefreshInterval is { } refresh && refresh < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CapabilityRefreshInterval), "CapabilityRefreshInterval must not be negative.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HealthCheckTimeout, TimeSpan.Zero, nameof(HealthCheckTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(FailureThreshold, 1, nameof(FailureThreshold));
        ArgumentOutOfRangeException.ThrowIfLessThan(ServerCapacity, 1, nameof(ServerCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfNegative(CooldownThreshold, nameof(CooldownThreshold));
        ArgumentOutOfRangeException.ThrowIfLessThan(CooldownPeriod, TimeSpan.Zero, nameof(CooldownPeriod));
    }
}
