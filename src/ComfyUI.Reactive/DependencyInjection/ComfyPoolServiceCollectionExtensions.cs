using ComfyUI.Reactive.Diagnostics;
using ComfyUI.Reactive.Pooling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ComfyUI.Reactive.DependencyInjection;

/// <summary>
/// Registers a <see cref="ComfyPool"/> over configured servers, started and stopped with the host, and its health check.
/// See <c>docs/services.md</c>.
/// </summary>
/// <remarks>
/// <para>The pool is a singleton created when the host starts (a hosted service resolves it, so the first request does
/// not wait for connections). Each server gets a <see cref="ComfyClient"/> of its own (not through
/// <c>IHttpClientFactory</c>: the health probes then write no per-request log lines); the pool and the clients log under
/// <c>ComfyUI.Reactive.*</c> and measure on the container's <c>IMeterFactory</c> when there is one.</para>
/// <para>Options are validated when the host starts (<c>ValidateOnStart</c>); a bad setting stops the start with an
/// <see cref="OptionsValidationException"/> naming it. Credentials are never logged or put in a message.</para>
/// </remarks>
public static class ComfyPoolServiceCollectionExtensions
{
    /// <summary>Registers the pool with options bound from <paramref name="configuration"/> (e.g.
    /// <c>builder.Configuration.GetSection("ComfyPool")</c>; see <see cref="ComfyPoolHostOptions"/> for the shape).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section to bind.</param>
    /// <param name="configure">Adds to the bound options (servers, a scheduler, a queue); null for none.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddComfyPool(
        this IServiceCollection services, IConfiguration configuration, Action<ComfyPoolHostOptions>? configure = null)
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

    /// <summary>Registers the pool with options set in code.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the servers and options.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddComfyPool(this IServiceCollection services, Action<ComfyPoolHostOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return AddPool(services, builder => builder.Configure(configure));
    }

    /// <summary>Adds the pool's health check (<see cref="ComfyPoolHealthCheck"/>).</summary>
    /// <param name="builder">The health checks builder (<c>services.AddHealthChecks()</c>).</param>
    /// <param name="name">The check's name. Default <c>comfyui-pool</c>.</param>
    /// <param name="failureStatus">The status when no server takes jobs; null: Unhealthy.</param>
    /// <param name="tags">Tags to filter checks by (e.g. <c>ready</c>).</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    public static IHealthChecksBuilder AddComfyPool(
        this IHealthChecksBuilder builder, string name = "comfyui-pool", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(
            name, sp => new ComfyPoolHealthCheck(sp.GetRequiredService<ComfyPool>()), failureStatus, tags));
    }

    /// <summary>Adds a health check of a client registered with <c>AddComfyUI</c> (<see cref="ComfyClientHealthCheck"/>).</summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="clientName">The client's name; null for the default client.</param>
    /// <param name="name">The check's name; null: <c>comfyui</c> or <c>comfyui-{clientName}</c>.</param>
    /// <param name="probe">Whether to ask the server too, not only the socket's state.</param>
    /// <param name="failureStatus">The status when the client is disconnected; null: Unhealthy.</param>
    /// <param name="tags">Tags to filter checks by.</param>
    /// <returns><paramref name="builder"/>, for chaining.</returns>
    public static IHealthChecksBuilder AddComfyClient(
        this IHealthChecksBuilder builder,
        string? clientName = null,
        string? name = null,
        bool probe = false,
        HealthStatus? failureStatus = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Add(new HealthCheckRegistration(
            name ?? (clientName is null ? "comfyui" : $"comfyui-{clientName}"),
            sp => new ComfyClientHealthCheck(
                clientName is null ? sp.GetRequiredService<ComfyClient>() : sp.GetRequiredKeyedService<ComfyClient>(clientName)) { Probe = probe },
            failureStatus,
            tags));
    }

    private static IServiceCollection AddPool(IServiceCollection services, Action<OptionsBuilder<ComfyPoolHostOptions>> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<ComfyPoolHostOptions>();
        configure(options);
        options.ValidateOnStart();
        services.AddLogging();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ComfyPoolHostOptions>, ComfyPoolHostOptionsValidator>());
        services.TryAddSingleton<ComfyPoolHost>();
        services.TryAddSingleton(sp => sp.GetRequiredService<ComfyPoolHost>().Pool);
        services.AddHostedService<ComfyPoolHostedService>();
        return services;
    }
}
