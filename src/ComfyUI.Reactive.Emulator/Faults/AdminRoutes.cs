using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Emulator.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ComfyUI.Reactive.Emulator.Faults;

/// <summary>
/// The fault knobs over HTTP under <c>/emulator/…</c> (<see cref="ComfyEmulatorOptions.AdminRoutes"/>), for test suites in
/// other languages: every <see cref="EmulatorFaults"/> knob plus restart. They bypass the faults themselves (a failed
/// route, slow responses, required auth), so a test can always undo what it set. Bodies are optional JSON objects;
/// answers are <c>{"ok": true}</c>, or 400 with a plain-text reason.
/// </summary>
internal static class AdminRoutes
{
    public const string Prefix = "/emulator";

    public static void Map(WebApplication app, EmulatorState state)
    {
        var faults = state.Faults;
        // Changes with every (re)start, so a client can tell the restarted server from the old one still draining.
        var instance = Guid.NewGuid().ToString();
        app.MapGet(Prefix + "/state", ctx => HttpBodies.Json(ctx, new JsonObject
        {
            ["instance"] = instance,
            ["connected_clients"] = state.Hub.Count,
            ["queue_remaining"] = state.Queue.Remaining,
            ["queue_paused"] = faults.QueuePaused,
            ["executions"] = state.Executor.TotalExecutions,
        }));
        app.MapGet(Prefix + "/executions/{id}", ctx => HttpBodies.Json(ctx, new JsonObject
        {
            ["prompt_id"] = (string)ctx.Request.RouteValues["id"]!,
            ["count"] = state.Executions.TryGetValue((string)ctx.Request.RouteValues["id"]!, out var n) ? n : 0,
        }));
        Post(app, "restart", async (ctx, body) =>
        {
            var down = TimeSpan.FromMilliseconds(Number(body, "down_ms") ?? 0);
            // Answered first: stopping waits for in-flight requests, this one included.
            await Ok(ctx, 202).ConfigureAwait(false);
            await ctx.Response.CompleteAsync().ConfigureAwait(false);
            state.RequestRestart?.Invoke(down);
        });
        Knob(app, "drop-sockets", _ => faults.DropAllSockets());
        Knob(app, "refuse-websockets", b => faults.RefuseWebSockets(Number(b, "duration_ms") is { } ms ? TimeSpan.FromMilliseconds(ms) : null));
        Knob(app, "accept-websockets", _ => faults.AcceptWebSockets());
        Knob(app, "pause-queue", _ => faults.PauseQueue());
        Knob(app, "resume-queue", _ => faults.ResumeQueue());
        Knob(app, "hang-node", b => faults.HangNode(Text(b, "class_type") ?? throw new ArgumentException("class_type is required")));
        Knob(app, "release-hung-nodes", _ => faults.ReleaseHungNodes());
        Knob(app, "fail-node", b => faults.FailNode(Text(b, "class_type") ?? throw new ArgumentException("class_type is required"), Text(b, "message") ?? "Injected fault"));
        Knob(app, "fail-route", b => faults.FailRoute(
            Text(b, "path") ?? throw new ArgumentException("path is required"),
            (int)(Number(b, "status") ?? 500),
            Number(b, "count") is { } c ? (int)c : null));
        Knob(app, "clear-route-failures", _ => faults.ClearRouteFailures());
        Knob(app, "malformed-frame", b => faults.SendMalformedFrame(Text(b, "client_id"), Text(b, "text") ?? "{\"type\": \"status\", \"data\": {"));
        Knob(app, "slow-responses", b => faults.SlowResponses(TimeSpan.FromMilliseconds(Number(b, "delay_ms") ?? 0)));
        Knob(app, "reset", _ => faults.Reset());
    }

    private static void Knob(WebApplication app, string name, Action<JsonObject> apply) =>
        Post(app, name, (ctx, body) =>
        {
            apply(body);
            return Ok(ctx, 200);
        });

    private static void Post(WebApplication app, string name, Func<HttpContext, JsonObject, Task> handle) =>
        app.MapPost(Prefix + "/" + name, async ctx =>
        {
            var body = await HttpBodies.ReadJsonAsync(ctx).ConfigureAwait(false) as JsonObject ?? [];
            try
            {
                await handle(ctx, body).ConfigureAwait(false);
            }
            catch (ArgumentException ex)
            {
                await HttpBodies.Text(ctx, 400, ex.Message).ConfigureAwait(false);
            }
        });

    private static Task Ok(HttpContext ctx, int status) => HttpBodies.Json(ctx, new JsonObject { ["ok"] = true }, status);

    private static string? Text(JsonObject body, string name) =>
        body[name] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static double? Number(JsonObject body, string name) =>
        body[name] is JsonValue v && v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>() : null;
}
