using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Pooling;
using ComfyUI.Reactive.Redis.Tests.Infrastructure;
using ComfyUI.Reactive.Registry;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Redis.Tests.Distributed;

/// <summary>Emulators and distributed pools ("processes") sharing one real Redis under one key prefix, with the fast
/// leases, claims and polls of a test; disposes everything.</summary>
internal sealed class DistributedHarness(RedisServer redis) : IAsyncDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    public string Prefix { get; } = RedisFixture.NewPrefix();

    public List<ComfyEmulator> Emulators { get; } = [];

    public List<RedisComfyPool> Pools { get; } = [];

    public static Workflow Workflow(int seed) =>
        Workflows.Workflow.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "txt2img_sd15.json"))).Set("3.inputs.seed", seed);

    public async Task StartEmulatorsAsync(int count, TimeSpan stepTime)
    {
        for (var i = 0; i < count; i++)
        {
            Emulators.Add(await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = stepTime, SamplerPreviews = false }));
        }
    }

    /// <summary>A process: a distributed pool given every emulator as <c>gpu-N</c>.</summary>
    public async Task<RedisComfyPool> StartPoolAsync(string name, int? maxLeases = null)
    {
        var pool = await RedisComfyPool.ConnectAsync(new RedisPoolOptions
        {
            Redis = redis.Options(),
            KeyPrefix = Prefix,
            ProcessName = name,
            MaxLeases = maxLeases,
            Pool = new ComfyPoolOptions { HealthCheckInterval = TimeSpan.FromSeconds(1), HealthCheckTimeout = TimeSpan.FromSeconds(1) },
            LeaseDuration = TimeSpan.FromSeconds(3),
            LeaseRenewInterval = TimeSpan.FromMilliseconds(300),
            ClaimIdle = TimeSpan.FromMilliseconds(1500),
            HeartbeatInterval = TimeSpan.FromMilliseconds(300),
            PollInterval = TimeSpan.FromMilliseconds(100),
            FollowInterval = TimeSpan.FromMilliseconds(100),
        });
        Pools.Add(pool);
        for (var i = 0; i < Emulators.Count; i++)
        {
            pool.AddServer($"gpu-{i}", new ComfyClientOptions
            {
                BaseAddress = Emulators[i].BaseAddress,
                ReconnectInitialDelay = TimeSpan.FromMilliseconds(50),
                ReconnectMaxDelay = TimeSpan.FromMilliseconds(250),
            });
        }

        return pool;
    }

    /// <summary>Waits until <paramref name="pool"/> drives <paramref name="count"/> servers that are ready.</summary>
    public static Task WhenReadyAsync(RedisComfyPool pool, int count) =>
        pool.Pool.Servers.Scan(new Dictionary<ServerId, ServerState>(), (states, s) =>
            {
                states[s.Server] = s.State;
                return states;
            })
            .FirstAsync(states => states.Values.Count(s => s == ServerState.Ready) >= count)
            .ToTask()
            .WaitAsync(Bound);

    /// <summary>Every update of a job observed through <paramref name="pool"/> until it ends.</summary>
    public static async Task<(List<JobUpdate> Updates, Exception? Error)> ObserveAsync(RedisComfyPool pool, JobId id)
    {
        var updates = new List<JobUpdate>();
        try
        {
            await pool.Observe(id).Do(u =>
            {
                lock (updates)
                {
                    updates.Add(u);
                }
            }).LastOrDefaultAsync().ToTask().WaitAsync(Bound);
            return (updates, null);
        }
        catch (Exception ex) when (ex is not TimeoutException)
        {
            return (updates, ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var pool in Pools)
        {
            await pool.DisposeAsync();
        }

        foreach (var emulator in Emulators)
        {
            await emulator.DisposeAsync();
        }
    }
}
