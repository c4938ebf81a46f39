using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ComfyUI.Reactive.DependencyInjection;

/// <summary>
/// Registers <see cref="ComfyClient"/>s in a service collection: one default client, or named clients for several servers.
/// </summary>
/// <remarks>
/// <para>Each client is a singleton (it owns a websocket) created on first resolve and disposed asynchronously with the
/// container: dispose the provider with <c>await provider.DisposeAsync()</c> (the generic host does); a synchronous
/// <c>Dispose()</c> works too (the client is also <see cref="IDisposable"/>: it waits a bounded time for the socket to close).</para>
/// <para>Options are named options (<c>IOptionsMonitor&lt;ComfyClientOptions&gt;.Get(name)</c>), so
/// <c>services.Configure&lt;ComfyClientOptions&gt;(name, ...)</c> adds to them. They are validated when the client is first
/// resolved, and at host start (<c>ValidateOnStart</c>); a bad option throws
/// <see cref="OptionsValidationException"/> naming the client and the option.</para>
/// <para>Unless the options set <see cref="ComfyClientOptions.Logger"/>, the client logs through the container's
/// <see cref="ILoggerFactory"/> under the category <c>ComfyUI.Reactive.ComfyClient</c> (named clients:
/// <c>ComfyUI.Reactive.ComfyClient.{name}</c>). Unless they set <see cref="ComfyClientOptions.HttpClient"/> or
/// <see cref="ComfyClientOptions.HttpMessageHandler"/>, REST calls go through the <c>IHttpClientFactory</c> named client
/// <c>ComfyUI.Reactive</c> (named clients: <c>ComfyUI.Reactive:{name}</c>), configurable through the
/// <c>configureHttpClient</c> overloads: handlers, primary handler, handler lifetime, resilience. That client's
/// <c>BaseAddress</c> and <c>Timeout</c> are not used: the address and <see cref="ComfyClientOptions.RequestTimeout"/>
/// come from the options. Its request logs redact every header value, so credentials never reach them (query strings
/// are redacted by the factory's logging by default). The websocket does not use the HTTP pipeline.</para>
/// </remarks>
public static class ComfyServiceCollectionExtensions
{
    private const string HttpClientNamePrefix = "ComfyUI.Reactive";
    private const string LoggerCategory = "ComfyUI.Reactive.ComfyClient";

    /// <summary>Registers the default <see cref="ComfyClient"/>: resolve it as <c>ComfyClient</c>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the client's options (address, credentials, timeouts); may be called again to add to them.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <example><code>services.AddComfyUI(o => o.BaseAddress = new Uri("http://127.0.0.1:8188"));</code></example>
    public static IServiceCollection AddComfyUI(this IServiceCollection services, Action<ComfyClientOptions> configure) =>
        AddClient(services, Options.DefaultName, configure, configureHttpClient: null);

    /// <summary>Registers the default <see cref="ComfyClient"/> and configures its HTTP pipeline.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the client's options (address, credentials, timeouts).</param>
    /// <param name="configureHttpClient">Configures the <c>IHttpClientFactory</c> client that carries its REST calls
    /// (e.g. <c>AddHttpMessageHandler</c>, <c>ConfigurePrimaryHttpMessageHandler</c>, <c>SetHandlerLifetime</c>).</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddComfyUI(
        this IServiceCollection services,
        Action<ComfyClientOptions> configure,
        Action<IHttpClientBuilder> configureHttpClient)
    {
        ArgumentNullException.ThrowIfNull(configureHttpClient);
        return AddClient(services, Options.DefaultName, configure, configureHttpClient);
    }

    /// <summary>Registers a named <see cref="ComfyClient"/>, one per server: resolve it as a keyed service
    /// (<c>[FromKeyedServices("gpu-1")] ComfyClient</c>, <c>GetRequiredKeyedService&lt;ComfyClient&gt;("gpu-1")</c>) or through
    /// <see cref="IComfyClientFactory"/>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The client's name and service key, e.g. <c>"gpu-1"</c>; not empty.</param>
    /// <param name="configure">Sets the client's options; may be called again for the same name to add to them.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    /// <example><code>
    /// services.AddComfyUI("gpu-1", o => o.BaseAddress = new Uri("http://gpu-1:8188"))
    ///         .AddComfyUI("gpu-2", o => o.BaseAddress = new Uri("http://gpu-2:8188"));
    /// </code></example>
    public static IServiceCollection AddComfyUI(this IServiceCollection services, string name, Action<ComfyClientOptions> configure)
    {
        CheckName(name);
        return AddClient(services, name, configure, configureHttpClient: null);
    }

    /// <summary>Registers a named <see cref="ComfyClient"/> and configures its HTTP pipeline.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="name">The client's name and service key, e.g. <c>"gpu-1"</c>; not empty.</param>
    /// <param name="configure">Sets the client's options.</param>
    /// <param name="configureHttpClient">Configures the <c>IHttpClientFactory</c> client that carries its REST calls.</param>
    /// <returns><paramref name="services"/>, for chaining.</returns>
    public static IServiceCollection AddComfyUI(
        this IServiceCollection services,
        string name,
        Action<ComfyClientOptions> configure,
        Action<IHttpClientBuilder> configureHttpClient)
    {
        CheckName(name);
        ArgumentNullException.ThrowIfNull(configureHttpClient);
        return AddClient(services, name, configure, configureHttpClient);
    }

    private static void CheckName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
        {
            throw new ArgumentException("A client name must not be empty; use the overload without a name for the default client.", nameof(name));
        }
    }

    private static IServiceCollection AddClient(
        IServiceCollection services,
        string name,
        Action<ComfyClientOptions> configure,
        Action<IHttpClientBuilder>? configureHttpClient)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        var httpClientName = name.Length == 0 ? HttpClientNamePrefix : $"{HttpClientNamePrefix}:{name}";
        var options = services.AddOptions<ComfyClientOptions>(name).Configure(configure);

        // AddHttpClient also registers logging, so ILoggerFactory is always there for the post-configure below.
        var http = services.AddHttpClient(httpClientName);
        if (Registry(services).Add(name))
        {
            // Any header may carry a credential (custom header credentials), so none is logged in clear. The factory
            // redacts by default today; saying so per client keeps it so when an app relaxes ConfigureHttpClientDefaults.
            http.RedactLoggedHeaders(static _ => true);
            options
                .PostConfigure<ILoggerFactory, IHttpMessageHandlerFactory>((o, loggers, handlers) =>
                {
                    o.Logger ??= loggers.CreateLogger(name.Length == 0 ? LoggerCategory : $"{LoggerCategory}.{name}");
                    if (o.HttpClient is null && o.HttpMessageHandler is null)
                    {
                        o.HttpMessageHandler = new HttpClientFactoryHandler(handlers, httpClientName);
                    }
                })
                .ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ComfyClientOptions>, ComfyClientOptionsValidator>());
            services.TryAddSingleton<IComfyClientFactory, ComfyClientFactory>();
            if (name.Length == 0)
            {
                services.AddSingleton(sp => Create(sp, name));
            }
            else
            {
                services.AddKeyedSingleton(name, (sp, _) => Create(sp, name));
            }
        }

        configureHttpClient?.Invoke(http);
        return services;
    }

    // IOptionsMonitor caches per name, so the configure delegates run once even with ValidateOnStart reading them too.
    private static ComfyClient Create(IServiceProvider services, string name) =>
        new(services.GetRequiredService<IOptionsMonitor<ComfyClientOptions>>().Get(name));

    private static ComfyClientRegistry Registry(IServiceCollection services)
    {
        foreach (var descriptor in services)
        {
            if (descriptor.ServiceType == typeof(ComfyClientRegistry) && descriptor.ImplementationInstance is ComfyClientRegistry existing)
            {
                return existing;
            }
        }

        var registry = new ComfyClientRegistry();
        services.AddSingleton(registry);
        return registry;
    }
}
