using ComfyUI.Reactive.DependencyInjection;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Pooling;
using ComfyUI.Reactive.Samples.WebApp.Dashboard;

namespace ComfyUI.Reactive.Samples.WebApp;

/// <summary>
/// The running app: its embedded emulators (when no server was given), the ASP.NET Core host with the pool
/// (<c>AddComfyPool</c>), the routes and the dashboard. Public so that tests start it in-process on a free port.
/// </summary>
public sealed class WebAppHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<ComfyEmulator> _emulators;

    private WebAppHost(WebApplication app, List<ComfyEmulator> emulators, Uri baseAddress)
    {
        _app = app;
        _emulators = emulators;
        BaseAddress = baseAddress;
    }

    /// <summary>Where the app listens (the first address), e.g. <c>http://127.0.0.1:5000/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The embedded emulators, in server order (<c>gpu-1</c>, <c>gpu-2</c>…); empty with real servers.</summary>
    public IReadOnlyList<ComfyEmulator> Emulators => _emulators;

    /// <summary>The pool the app drives.</summary>
    public ComfyPool Pool => _app.Services.GetRequiredService<ComfyPool>();

    /// <summary>The app's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Starts the emulators (if needed) and the app; returns once it listens.</summary>
    /// <param name="options">The options.</param>
    /// <param name="cancellationToken">Abandons the start.</param>
    /// <returns>The running app.</returns>
    public static async Task<WebAppHost> StartAsync(WebAppOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var emulators = new List<ComfyEmulator>();
        try
        {
            var servers = options.Servers.Select(url => (Name: (string?)null, Url: url)).ToList();
            if (servers.Count == 0)
            {
                for (var i = 1; i <= options.EmbeddedServers; i++)
                {
                    var emulator = await ComfyEmulator.StartAsync(options.EmulatorOptions ?? WebAppOptions.DefaultEmulatorOptions(), cancellationToken);
                    emulators.Add(emulator);
                    servers.Add(($"gpu-{i}", emulator.BaseAddress));
                }
            }

            var app = Build(options, servers);
            await app.StartAsync(cancellationToken);
            var address = new Uri(app.Urls.First().Replace("//[::]", "//localhost", StringComparison.Ordinal).Replace("//0.0.0.0", "//localhost", StringComparison.Ordinal) + "/");
            return new WebAppHost(app, emulators, address);
        }
        catch
        {
            foreach (var emulator in emulators)
            {
                await emulator.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Completes when the app is asked to stop (Ctrl+C, SIGTERM).</summary>
    /// <returns>The wait.</returns>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    /// <summary>Stops the app (the pool drains or cancels its jobs as configured), then the emulators.</summary>
    /// <returns>The disposal.</returns>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        foreach (var emulator in _emulators)
        {
            await emulator.DisposeAsync();
        }
    }

    private static WebApplication Build(WebAppOptions options, List<(string? Name, Uri Url)> servers)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [.. options.Args],
            ContentRootPath = AppContext.BaseDirectory,
        });
        if (options.Urls is { } urls)
        {
            builder.WebHost.UseUrls(urls);
        }

        builder.Services.AddComfyPool(builder.Configuration.GetSection("ComfyPool"), pool =>
        {
            if (pool.Servers.Count == 0)
            {
                foreach (var (name, url) in servers)
                {
                    pool.Servers.Add(new ComfyServerOptions { Name = name, Url = url });
                }
            }

            // A dashboard wants a dead server shown within seconds, not the library's default of tens of seconds.
            pool.HealthCheckInterval ??= TimeSpan.FromSeconds(1);
            pool.HealthCheckTimeout ??= TimeSpan.FromSeconds(2);
            options.ConfigurePool?.Invoke(pool);
        });
        builder.Services.AddHealthChecks().AddComfyPool();
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton(new RenderWorkflow(builder.Configuration["Render:Checkpoint"] ?? options.Checkpoint));
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapRenderEndpoints();
        app.MapDashboard();
        app.MapHealthChecks("/health", new() { ResponseWriter = HealthResponse.WriteAsync });
        return app;
    }
}
