using ComfyUI.Reactive.Pooling;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ComfyUI.Reactive.Diagnostics;

/// <summary>
/// The health of a <see cref="ComfyPool"/> for <c>/health</c> endpoints: <b>Healthy</b> when every server is in rotation,
/// <b>Degraded</b> when some are out of rotation (connecting or unhealthy) but at least one takes jobs, <b>Unhealthy</b>
/// (the registration's failure status) when none does. The data lists each server's state, in flight and capacity.
/// Answers from the pool's own health monitoring: it sends no request.
/// </summary>
/// <param name="pool">The pool.</param>
public sealed class ComfyPoolHealthCheck(ComfyPool pool) : IHealthCheck
{
    /// <summary>Reads the servers' latest states.</summary>
    /// <param name="context">The registration (its failure status is used when no server takes jobs).</param>
    /// <param name="cancellationToken">Not used: the answer is immediate.</param>
    /// <returns>The result.</returns>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var statuses = new List<ServerStatus>();

        // The status stream replays every server's latest status synchronously on subscription.
        pool.Servers.Subscribe(statuses.Add).Dispose();
        var present = statuses.Where(s => s.State != ServerState.Removed).ToList();
        var data = present.ToDictionary(
            s => s.Server.Value, s => (object)$"{s.State} ({s.InFlight}/{s.Capacity} in flight)", StringComparer.Ordinal);
        var inRotation = present.Count(s => s.State is ServerState.Ready or ServerState.Busy);
        var result = inRotation switch
        {
            0 => new HealthCheckResult(
                context.Registration.FailureStatus,
                present.Count == 0 ? "The pool has no servers." : $"None of the pool's {present.Count} servers takes jobs.",
                data: data),
            _ when inRotation < present.Count => HealthCheckResult.Degraded(
                $"{inRotation} of {present.Count} servers take jobs.", data: data),
            _ => HealthCheckResult.Healthy($"All {present.Count} servers take jobs.", data),
        };
        return Task.FromResult(result);
    }
}
