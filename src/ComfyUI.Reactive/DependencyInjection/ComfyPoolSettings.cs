using System.Diagnostics.Metrics;
using ComfyUI.Reactive.Pooling;
using Microsoft.Extensions.Logging;

namespace ComfyUI.Reactive.DependencyInjection;

/// <summary>
/// The settings every hosted pool binds from configuration: its servers and the <see cref="ComfyPoolOptions"/> that make
/// sense there, flat and nullable (null: <see cref="ComfyPoolOptions"/>'s default) so that the source-generated binder
/// reads them AOT-safely. <see cref="ComfyPoolHostOptions"/> (<c>AddComfyPool</c>) and the Redis package's host options
/// (<c>AddComfyRedisPool</c>) add their own settings to these, so both bind the same keys the same way.
/// </summary>
public abstract class ComfyPoolSettings
{
    /// <summary>The servers. At least one.</summary>
    public IList<ComfyServerOptions> Servers { get; } = new List<ComfyServerOptions>();

    /// <summary><see cref="ComfyPoolOptions.ServerCapacity"/>; null: its default.</summary>
    public int? ServerCapacity { get; set; }

    /// <summary><see cref="ComfyPoolOptions.MaxAttempts"/>; null: its default.</summary>
    public int? MaxAttempts { get; set; }

    /// <summary><see cref="ComfyPoolOptions.HealthCheckInterval"/>; null: its default.</summary>
    public TimeSpan? HealthCheckInterval { get; set; }

    /// <summary><see cref="ComfyPoolOptions.HealthCheckTimeout"/>; null: its default.</summary>
    public TimeSpan? HealthCheckTimeout { get; set; }

    /// <summary><see cref="ComfyPoolOptions.FailureThreshold"/>; null: its default.</summary>
    public int? FailureThreshold { get; set; }

    /// <summary><see cref="ComfyPoolOptions.CooldownThreshold"/>; null: its default.</summary>
    public int? CooldownThreshold { get; set; }

    /// <summary><see cref="ComfyPoolOptions.CooldownPeriod"/>; null: its default.</summary>
    public TimeSpan? CooldownPeriod { get; set; }

    /// <summary><see cref="ComfyPoolOptions.CapabilityRefreshInterval"/>; null: its default.</summary>
    public TimeSpan? CapabilityRefreshInterval { get; set; }

    /// <summary>The pool's options: these settings over <see cref="ComfyPoolOptions"/>' defaults.</summary>
    /// <param name="logger">The pool's logger; null for none.</param>
    /// <param name="meters">The meter factory of the container; null for the pool's own meter.</param>
    /// <param name="registry">The job registry's options; null: their defaults.</param>
    /// <returns>The options (not validated).</returns>
    protected ComfyPoolOptions ToComfyPoolOptions(ILogger? logger, IMeterFactory? meters, Registry.JobRegistryOptions? registry = null)
    {
        var defaults = new ComfyPoolOptions();
        return new ComfyPoolOptions
        {
            ServerCapacity = ServerCapacity ?? defaults.ServerCapacity,
            MaxAttempts = MaxAttempts ?? defaults.MaxAttempts,
            HealthCheckInterval = HealthCheckInterval ?? defaults.HealthCheckInterval,
            HealthCheckTimeout = HealthCheckTimeout ?? defaults.HealthCheckTimeout,
            FailureThreshold = FailureThreshold ?? defaults.FailureThreshold,
            CooldownThreshold = CooldownThreshold ?? defaults.CooldownThreshold,
            CooldownPeriod = CooldownPeriod ?? defaults.CooldownPeriod,
            CapabilityRefreshInterval = CapabilityRefreshInterval ?? defaults.CapabilityRefreshInterval,
            Registry = registry ?? defaults.Registry,
            Logger = logger,
            MeterFactory = meters,
        };
    }
}
