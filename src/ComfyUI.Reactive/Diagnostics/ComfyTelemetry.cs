using System.Diagnostics;

namespace ComfyUI.Reactive.Diagnostics;

/// <summary>
/// The names to give OpenTelemetry (or a listener) to collect the SDK's traces and metrics:
/// <c>.AddSource(ComfyTelemetry.ActivitySourceName)</c>, <c>.AddMeter(ComfyTelemetry.PoolMeterName, ComfyTelemetry.ClientMeterName)</c>.
/// See <c>docs/services.md</c> for the spans, tags and instruments.
/// </summary>
public static class ComfyTelemetry
{
    /// <summary>The <see cref="ActivitySource"/> of the spans: <c>comfyui.job</c> per job enqueued by id, with a child
    /// <c>comfyui.attempt</c> per attempt on a server.</summary>
    public const string ActivitySourceName = "ComfyUI.Reactive";

    /// <summary>The meter of a pool's instruments (<c>comfyui.pool.*</c>, <c>comfyui.jobs.*</c>).</summary>
    public const string PoolMeterName = "ComfyUI.Reactive.Pool";

    /// <summary>The meter of a client's instruments (<c>comfyui.client.*</c>, <c>comfyui.jobs.*</c>).</summary>
    public const string ClientMeterName = "ComfyUI.Reactive.Client";

    /// <summary>The source every span starts on.</summary>
    internal static readonly ActivitySource Source = new(ActivitySourceName, typeof(ComfyTelemetry).Assembly.GetName().Version?.ToString());
}
