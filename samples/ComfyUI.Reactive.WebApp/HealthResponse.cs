using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ComfyUI.Reactive.Samples.WebApp;

/// <summary>
/// <c>/health</c> as JSON: the overall status and each check with its data (the pool's check lists every server's state
/// and load). The status code stays the health checks' own: 200 when Healthy or Degraded, 503 when Unhealthy.
/// </summary>
internal static class HealthResponse
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.Select(e => new
            {
                name = e.Key,
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                data = e.Value.Data.ToDictionary(d => d.Key, d => d.Value?.ToString()),
            }),
        };
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, body, cancellationToken: context.RequestAborted);
    }
}
