using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ComfyUI.Reactive.Redis.DependencyInjection;

/// <summary>
/// Connects the distributed pool when the host starts (a failure stops the start: Redis unreachable is a
/// <see cref="ComfyRedisUnavailableException"/> naming the endpoints only) and, when the host stops, drains or hands over
/// the jobs this process holds as <see cref="RedisPoolHostOptions.OnStop"/> says, then disposes the pool (leases
/// released, clients and the Redis connection closed).
/// </summary>
internal sealed partial class RedisComfyPoolHostedService(RedisComfyPoolHost host, ILogger<RedisComfyPoolHostedService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var pool = await host.StartAsync(cancellationToken).ConfigureAwait(false);
        Started(logger, pool.ProcessName, host.Options.Servers.Count, host.Options.Redis);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (host.Pool is not { } pool)
        {
            return;
        }

        if (host.Options.OnStop == RedisPoolStopBehavior.Drain)
        {
            Draining(logger, pool.ProcessName, host.Options.DrainTimeout);
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bound.CancelAfter(host.Options.DrainTimeout);
            try
            {
                await pool.DrainAsync(bound.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Out of time: what is left is handed over below.
                DrainTimedOut(logger, pool.ProcessName);
            }
        }

        await host.DisposeAsync().ConfigureAwait(false);
        Stopped(logger, pool.ProcessName);
    }

    [LoggerMessage(EventId = 3100, Level = LogLevel.Information, Message = "ComfyUI Redis pool {Process} started with {Servers} servers on {Redis}")]
    private static partial void Started(ILogger logger, string process, int servers, RedisConnectionOptions redis);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "ComfyUI Redis pool {Process} drains its jobs (at most {Timeout})")]
    private static partial void Draining(ILogger logger, string process, TimeSpan timeout);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "ComfyUI Redis pool {Process} did not drain in time; the jobs it still holds are handed over to other processes")]
    private static partial void DrainTimedOut(ILogger logger, string process);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Information, Message = "ComfyUI Redis pool {Process} stopped; its leases are released")]
    private static partial void Stopped(ILogger logger, string process);
}
