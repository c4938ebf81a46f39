using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ComfyUI.Reactive.Diagnostics;

/// <summary>
/// The health of one <see cref="ComfyClient"/>: <b>Healthy</b> while its socket is connected, <b>Degraded</b> before the
/// first connection completes, otherwise the registration's failure status (reconnecting, closed). With
/// <see cref="Probe"/> it also asks the server (<c>GET /prompt</c>), bounded by the health check's timeout.
/// </summary>
/// <param name="client">The client.</param>
public sealed class ComfyClientHealthCheck(ComfyClient client) : IHealthCheck
{
    /// <summary>Whether to ask the server too, not only the socket's state. Default false.</summary>
    public bool Probe { get; init; }

    /// <summary>Reads the socket's state (and probes the server when <see cref="Probe"/> is set).</summary>
    /// <param name="context">The registration.</param>
    /// <param name="cancellationToken">Cancels the probe.</param>
    /// <returns>The result.</returns>
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var state = client.ConnectionState;
        var data = new Dictionary<string, object> { ["connection"] = state.ToString() };
        if (state is ConnectionState.Disconnected or ConnectionState.Connecting)
        {
            return HealthCheckResult.Degraded("The client has not connected yet.", data: data);
        }

        if (state != ConnectionState.Connected)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"The client's socket is {state}.", data: data);
        }

        if (Probe)
        {
            try
            {
                var queue = await client.Api.GetQueueStatusAsync(cancellationToken).ConfigureAwait(false);
                data["queue_remaining"] = queue.QueueRemaining;
            }
            catch (Exception ex) when (ex is ComfyException or HttpRequestException or TaskCanceledException)
            {
                // The exception's message is the SDK's own (credentials redacted); the exception object is not attached.
                return new HealthCheckResult(context.Registration.FailureStatus, $"The server did not answer: {ex.Message}", data: data);
            }
        }

        return HealthCheckResult.Healthy("Connected.", data);
    }
}
