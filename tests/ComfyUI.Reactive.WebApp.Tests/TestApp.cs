using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Pooling;
using ComfyUI.Reactive.Samples.WebApp;

namespace ComfyUI.Reactive.WebApp.Tests;

/// <summary>The sample app in-process on a free loopback port over two embedded emulators, with an HttpClient on it.</summary>
internal sealed class TestApp : IAsyncDisposable
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private TestApp(WebAppHost host)
    {
        Host = host;
        Http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = Limit };
    }

    public WebAppHost Host { get; }

    public HttpClient Http { get; }

    /// <summary>Starts the app and waits (bounded) until every server takes jobs.</summary>
    /// <param name="stepTime">How long a sampler step takes on the emulators (20 steps a job).</param>
    /// <param name="checkpoint">The text-to-image checkpoint, or empty for the graph without models.</param>
    public static async Task<TestApp> StartAsync(TimeSpan? stepTime = null, string checkpoint = RenderWorkflow.DefaultCheckpoint)
    {
        var host = await WebAppHost.StartAsync(new WebAppOptions
        {
            Urls = "http://127.0.0.1:0",
            Args = ["--Logging:LogLevel:Default=Warning"],   // the test output stays readable
            Checkpoint = checkpoint,
            EmulatorOptions = new ComfyEmulatorOptions
            {
                SamplerStepTime = stepTime ?? TimeSpan.FromMilliseconds(50),
                NodeDelays = new Dictionary<string, TimeSpan> { ["ImageBlur"] = TimeSpan.FromMilliseconds(200) },
            },
            ConfigurePool = pool =>
            {
                pool.OnStop = DependencyInjection.PoolStopBehavior.Cancel;
                pool.HealthCheckInterval = TimeSpan.FromMilliseconds(500);
                pool.HealthCheckTimeout = TimeSpan.FromSeconds(1);
            },
        });
        var app = new TestApp(host);
        try
        {
            await app.WhenServersAsync(ServerState.Ready, host.Emulators.Count);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>Completes once <paramref name="count"/> servers are in <paramref name="state"/> at the same time.</summary>
    public Task WhenServersAsync(ServerState state, int count) =>
        Host.Pool.Servers
            .Scan(new Dictionary<ServerId, ServerState>(), (latest, status) => new(latest) { [status.Server] = status.State })
            .FirstAsync(latest => latest.Values.Count(s => s == state) >= count)
            .Timeout(Limit)
            .ToTask();

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Host.DisposeAsync();
    }
}
