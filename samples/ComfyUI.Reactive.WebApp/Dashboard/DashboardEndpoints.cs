using System.Reflection;
using ComfyUI.Reactive.Pooling;

namespace ComfyUI.Reactive.Samples.WebApp.Dashboard;

/// <summary>
/// The dashboard: a static page and script (embedded in the assembly: no build step, no files beside the app) and the
/// one Server-Sent Events stream that feeds it, <c>/dashboard/events</c>.
/// </summary>
internal static class DashboardEndpoints
{
    private static readonly Dictionary<string, (string Resource, string ContentType)> Files = new(StringComparer.Ordinal)
    {
        ["/"] = ("wwwroot/index.html", "text/html; charset=utf-8"),
        ["/dashboard.js"] = ("wwwroot/dashboard.js", "text/javascript; charset=utf-8"),
        ["/dashboard.css"] = ("wwwroot/dashboard.css", "text/css; charset=utf-8"),
    };

    public static void MapDashboard(this IEndpointRouteBuilder app)
    {
        foreach (var (path, (resource, contentType)) in Files)
        {
            app.MapGet(path, () => TypedResults.Stream(
                Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)!, contentType));
        }

        app.MapGet("/dashboard/events", (ComfyPool pool, IHostApplicationLifetime lifetime, CancellationToken ct) =>
            TypedResults.ServerSentEvents(DashboardFeed.StreamAsync(pool, lifetime.ApplicationStopping, ct)));
    }
}
