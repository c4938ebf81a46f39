using System.Diagnostics.Metrics;
using ComfyUI.Reactive.Jobs.Progress;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ComfyUI.Reactive.Redis.DependencyInjection;

/// <summary>
/// The <see cref="RedisComfyPool"/> <c>AddComfyRedisPool</c> registers: connected (and given its servers) when the host
/// starts, disposed — leases released, held jobs handed over — when it stops, or with the container at the latest.
/// </summary>
internal sealed class RedisComfyPoolHost(IOptions<RedisPoolHostOptions> options, ILoggerFactory loggers, IMeterFactory? meters = null)
    : IAsyncDisposable, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private RedisComfyPool? _pool;

    public RedisPoolHostOptions Options { get; } = options.Value;

    /// <summary>The pool once started; null before.</summary>
    public RedisComfyPool? Pool => Volatile.Read(ref _pool);

    /// <summary>The pool, or a clear error when the host has not started it (yet).</summary>
    public RedisComfyPool RequirePool() => Pool ?? throw new InvalidOperationException(
        "The ComfyUI Redis pool connects when the host starts (AddComfyRedisPool registers a hosted service): resolve it after the host has started.");

    public async Task<RedisComfyPool> StartAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_pool is not null)
            {
                return _pool;
            }

            var pool = await RedisComfyPool.ConnectAsync(Options.ToPoolOptions(null, loggers, meters), cancellationToken).ConfigureAwait(false);

            // One history for the servers: a workflow learnt on one server weighs its nodes on every other.
            var progressHistory = new InMemoryProgressHistory();
            foreach (var server in Options.Servers)
            {
                var name = RedisPoolHostOptions.ServerName(server);
                var client = new ComfyClientOptions
                {
                    BaseAddress = server.Url!,
                    Logger = loggers.CreateLogger($"ComfyUI.Reactive.ComfyClient.{name}"),
                    MeterFactory = meters,
                    ProgressHistory = progressHistory,
                };
                foreach (var credential in server.Credentials?.ToCredentials() ?? [])
                {
                    client.Credentials.Add(credential);
                }

                pool.AddServer(name, client, server.Tags);
            }

            Volatile.Write(ref _pool, pool);
            return pool;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        var pool = Interlocked.Exchange(ref _pool, null);
        if (pool is not null)
        {
            await pool.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>For containers disposed synchronously: as the core's pools do, the asynchronous dispose runs on the thread
    /// pool (no synchronization context can deadlock it) and is waited for at most 5 seconds; it never throws, and what
    /// is left finishes in the background (held jobs are handed over, never cancelled).</summary>
    public void Dispose()
    {
        try
        {
            Task.Run(async () => await DisposeAsync().ConfigureAwait(false)).Wait(TimeSpan.FromSeconds(5));
        }
#pragma warning disable CA1031 // Dispose must not throw; the pool logs its own failures.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
