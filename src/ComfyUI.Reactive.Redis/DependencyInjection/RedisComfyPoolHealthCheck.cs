using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ComfyUI.Reactive.Redis.DependencyInjection;

/// <summary>
/// The health of the distributed pool of <c>AddComfyRedisPool</c>: unhealthy while the pool is not started or Redis does
/// not answer a ping; healthy otherwise, saying how many servers this process leases. Leasing none is healthy (another
/// process may drive them all; this one still enqueues and observes). The data: <c>redisLatencyMs</c>,
/// <c>leasedServers</c>, <c>servers</c>, <c>process</c>. Never a secret.
/// </summary>
internal sealed class RedisComfyPoolHealthCheck(RedisComfyPoolHost host) : IHealthCheck
{
    /// <summary>The longest a ping may take when the registration sets no timeout.</summary>
    internal static readonly TimeSpan PingBound = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (host.Pool is not { } pool)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "The ComfyUI Redis pool is not started.");
        }

        var leased = pool.LeasedServers.Count;
        var data = new Dictionary<string, object>
        {
            ["process"] = pool.ProcessName,
            ["leasedServers"] = leased,
            ["servers"] = pool.ServerCount,
        };
        try
        {
            var latency = await pool.PingAsync().WaitAsync(PingBound, cancellationToken).ConfigureAwait(false);
            data["redisLatencyMs"] = latency.TotalMilliseconds;
            return HealthCheckResult.Healthy($"Redis answers; this process leases {leased} of {pool.ServerCount} servers.", data);
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException or ObjectDisposedException)
        {
            // The exception's type only: its message may quote the configuration (StackExchange.Redis redacts the
            // password, but the check promises no secret at all).
            return new HealthCheckResult(
                context.Registration.FailureStatus,
                $"Redis is unreachable ({ex.GetType().Name}); this process leases {leased} of {pool.ServerCount} servers.",
                data: data);
        }
    }
}
