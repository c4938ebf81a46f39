using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ComfyUI.Reactive.Redis.DependencyInjection;

/// <summary>
/// Registers a <see cref="RedisComfyPool"/> over configured servers, connected when the host starts and drained or
/// handed over when it stops, and its health check. The counterpart of the core's <c>AddComfyPool</c>; see the Hosting
/// section of <c>docs/distributed.md</c>.
/// </summary>
/// <remarks>
/// <para>The pool is a singleton connected by a hosted service when the host starts (<c>RedisComfyPool.ConnectAsync</c>,
/// then <c>AddServer</c> for each configured server); resolving it before then throws
/// <see cref="InvalidOperationException"/>. An unreachable Redis stops the start with a
/// <see cref="ComfyRedisUnavailableException"/> naming the endpoints only. The pool, its local pool and the clients log
/// through the container's <c>ILoggerFactory</c> and measure on its <c>IMeterFactory</c> when there is one.</para>
/// <para>Options are validated when the host starts (<c>ValidateOnStart</c>); a bad setting stops the start with an
/// <see cref="OptionsValidationException"/> naming it. Passwords and credentials are never logged or put in a message.</para>
/// </remarks>
public static class RedisComfyPoolServiceCollectionExtensions
{
    /// <summary>Registers the distributed pool with options bound from <paramref name="configuration"/> (e.g.
    /// <c>builder.Configuration.GetSection("ComfyRedisPool")</c>; see <see cref="RedisPoolHostOptions"/> for the shape).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section to bind.</param>
    /// <param name="configure">Adds to the bound options (servers, <see cref="RedisConnectionOptions.Configure"/>); null for none.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddComfyRedisPool(
        this IServiceCollection services, IConfiguration configuration, Action<RedisPoolHostOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return AddPool(services, builder =>
        {
            builder.Bind(configuration);
            if (configure is not null)
            {
                builder.Configure(configure);
            }
        });
    }

    /// <summary>Registers the distributed pool with options set in code.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the connection, the servers and the options.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddComfyRedisPool(this IServiceCollection services, Action<RedisPoolHostOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return AddPool(services, builder => builder.Configure(configure));
    }

    /// <summary>Adds the distributed pool's health check: Redis reachability and the servers this process leases.</summary>
    /// <param name="builder">The health checks builder (<c>services.AddHealthChecks()</c>).</param>
    /// <param name="name">The check's name. Default <c>comfyui-redis-pool</c>.</param>
    /// <param name="failureStatus">The status when the pool is not started or Redis does not answer; null: Unhealthy.</param>
    /// <param name="tags">Tags to filter checks by (e.g. <c>ready</c>).</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    public static IHealthChecksBuilder AddComfyRedisPool(
        this IHealthChecksBuilder builder, string name = "comfyui-redis-pool", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(
            name, sp => new RedisComfyPoolHealthCheck(sp.GetRequiredService<RedisComfyPoolHost>()), failureStatus, tags));
    }

    private static IServiceCollection AddPool(IServiceCollection services, Action<OptionsBuilder<RedisPoolHostOptions>> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<RedisPoolHostOptions>();
        configure(options);
        options.ValidateOnStart();
        services.AddLogging();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisPoolHostOptions>, RedisPoolHostOptionsValidator>());
        services.TryAddSingleton<RedisComfyPoolHost>();
        services.TryAddSingleton(sp => sp.GetRequiredService<RedisComfyPoolHost>().RequirePool());
        services.AddHostedService<RedisComfyPoolHostedService>();
        return services;
    }
}
