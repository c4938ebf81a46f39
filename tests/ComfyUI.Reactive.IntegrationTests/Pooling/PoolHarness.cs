using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Pooling;

namespace ComfyUI.Reactive.IntegrationTests.Pooling;

/// <summary>A pool over emulators started for one test, with fast health checks and reconnects; disposes everything.</summary>
internal sealed class PoolHarness : IAsyncDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    public ComfyPool Pool { get; } = new(new ComfyPoolOptions
    {
        HealthCheckInterval = TimeSpan.FromSeconds(1),
        HealthCheckTimeout = TimeSpan.FromSeconds(1),
    });

    public List<ComfyEmulator> Emulators { get; } = [];

    public List<ComfyClient> Clients { get; } = [];

    public async ValueTask DisposeAsync()
    {
        await Pool.DisposeAsync();
        foreach (var client in Clients)
        {
            await client.DisposeAsync();
        }

        foreach (var emulator in Emulators)
        {
            await emulator.DisposeAsync();
        }
    }

    public ComfyClient Client(ComfyEmulator emulator)
    {
        var client = new ComfyClient(new ComfyClientOptions
        {
            BaseAddress = emulator.BaseAddress,
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(50),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(250),
        });
        Clients.Add(client);
        return client;
    }

    public async Task<ComfyEmulator> StartAsync(ComfyEmulatorOptions options)
    {
        var emulator = await ComfyEmulator.StartAsync(options);
        Emulators.Add(emulator);
        return emulator;
    }

    public async Task<List<ComfyEmulator>> StartManyAsync(int count, ComfyEmulatorOptions? options = null)
    {
        var started = new List<ComfyEmulator>();
        for (var i = 0; i < count; i++)
        {
            started.Add(await StartAsync(options ?? new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.FromMilliseconds(2) }));
        }

        return started;
    }

    public async Task<List<ServerId>> AddAndWaitReadyAsync(IReadOnlyList<ComfyEmulator> emulators)
    {
        var ids = emulators.Select(e => Pool.AddServer(Client(e))).ToList();
        foreach (var id in ids)
        {
            await Pool.Servers.FirstAsync(s => s.Server == id && s.State == ServerState.Ready).ToTask().WaitAsync(Bound);
        }

        return ids;
    }
}
