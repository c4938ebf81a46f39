using System.Net;
using ComfyUI.Reactive.Emulator.Files;
using ComfyUI.Reactive.Emulator.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ComfyUI.Reactive.Emulator.Server;

/// <summary>
/// One running server: Kestrel on 127.0.0.1 with minimal-API routes (each also under <c>/api</c>), the fault
/// middleware, and the worker task. Stopping it is a process exit as clients see it.
/// </summary>
internal sealed class EmulatorHost : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly CancellationTokenSource shutdown = new();
    private Task worker = Task.CompletedTask;

    private EmulatorHost(WebApplication app, EmulatorState state)
    {
        this.app = app;
        State = state;
    }

    public EmulatorState State { get; }

    public int Port { get; private set; }

    public static async Task<EmulatorHost> StartAsync(EmulatorState state, int port, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, NoSignalLifetime>();
        if (state.Options.LoggerFactory is { } loggerFactory)
        {
            builder.Services.AddSingleton(loggerFactory);
        }

        builder.WebHost.UseSetting(WebHostDefaults.SuppressStatusMessagesKey, "true");

        // The socket sends of a response run on the thread that flushes it, not on a later pool thread: when the
        // /prompt answer's CompleteAsync returns its bytes have been handed to the kernel, so no websocket frame of that
        // prompt (sent afterwards, from another connection) can overtake it, as on the real single-threaded server.
        builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = true);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port);
            k.Limits.MaxRequestBodySize = 100L * 1024 * 1024;
            k.AddServerHeader = false;
        });
        var app = builder.Build();
        var host = new EmulatorHost(app, state);
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        app.Use(host.FaultsAsync);
        host.MapRoutes();
        await app.StartAsync(ct).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        host.Port = new Uri(address).Port;
        state.Faults.DropSocketsHandler = state.Hub.AbortAll;
        state.Faults.SendRawHandler = state.Hub.SendRaw;
        host.worker = Task.Run(() => state.Executor.RunAsync(host.shutdown.Token), CancellationToken.None);
        return host;
    }

    private async Task FaultsAsync(HttpContext ctx, RequestDelegate next)
    {
        if (State.Options.AdminRoutes && ctx.Request.Path.StartsWithSegments(Faults.AdminRoutes.Prefix, StringComparison.Ordinal))
        {
            // The control plane ignores the faults it controls, so a test can always undo them.
            await next(ctx).ConfigureAwait(false);
            return;
        }

        var faults = State.Faults;
        var delay = faults.ResponseDelay;
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay, ctx.RequestAborted).ConfigureAwait(false);
        }

        if (faults.EffectiveAuth(State.Options.Auth) is { } auth && !auth.Accepts(ctx.Request.Headers.Authorization))
        {
            ctx.Response.Headers.WWWAuthenticate = auth.Scheme == "Basic" ? "Basic realm=\"ComfyUI\"" : "Bearer";
            await HttpBodies.Empty(ctx, 401).ConfigureAwait(false);
            return;
        }

        if (faults.TakeRouteFailure(ctx.Request.Path.Value ?? "/") is { } status)
        {
            await HttpBodies.Empty(ctx, status).ConfigureAwait(false);
            return;
        }

        await next(ctx).ConfigureAwait(false);
    }

    private void Map(string method, string pattern, Func<HttpContext, EmulatorState, Task> handler, bool apiOnly = false)
    {
        var state = State;
        Task Handler(HttpContext ctx) => handler(ctx, state);
        app.MapMethods("/api" + pattern, [method], Handler);
        if (!apiOnly)
        {
            app.MapMethods(pattern, [method], Handler);
        }
    }

    private void MapRoutes()
    {
        var token = shutdown.Token;
        Map("GET", "/ws", (ctx, s) => WebSocketEndpoint.Handle(ctx, s, token));
        Map("GET", "/prompt", PromptRoutes.GetPrompt);
        Map("POST", "/prompt", PromptRoutes.PostPrompt);
        Map("GET", "/queue", PromptRoutes.GetQueue);
        Map("POST", "/queue", PromptRoutes.PostQueue);
        Map("POST", "/interrupt", PromptRoutes.PostInterrupt);
        Map("POST", "/free", PromptRoutes.PostFree);
        Map("GET", "/history", PromptRoutes.GetHistory);
        Map("GET", "/history/{id}", PromptRoutes.GetHistoryItem);
        Map("POST", "/history", PromptRoutes.PostHistory);
        Map("GET", "/object_info", InfoRoutes.ObjectInfo);
        Map("GET", "/object_info/{cls}", InfoRoutes.ObjectInfoOne);
        Map("GET", "/embeddings", (ctx, _) => InfoRoutes.Embeddings(ctx));
        Map("GET", "/extensions", (ctx, _) => InfoRoutes.Extensions(ctx));
        Map("GET", "/models", (ctx, _) => InfoRoutes.Models(ctx));
        Map("GET", "/models/{folder}", InfoRoutes.ModelFolder);
        Map("GET", "/system_stats", (ctx, _) => InfoRoutes.SystemStats(ctx));
        Map("GET", "/features", (ctx, _) => InfoRoutes.Features(ctx));
        Map("POST", "/upload/image", FileRoutes.UploadImage);
        Map("POST", "/upload/mask", FileRoutes.UploadMask);
        Map("GET", "/view", FileRoutes.View);
        Map("GET", "/users", (ctx, _) => InfoRoutes.Users(ctx));
        Map("POST", "/users", UserRoutes.PostUsers);
        Map("GET", "/v2/userdata", UserRoutes.ListUserDataV2);
        Map("GET", "/view_metadata/{folder}", InfoRoutes.ViewMetadata);
        Map("GET", "/settings", InfoRoutes.GetSettings);
        Map("POST", "/settings", InfoRoutes.PostSettings);
        Map("GET", "/settings/{id}", InfoRoutes.GetSetting);
        Map("POST", "/settings/{id}", InfoRoutes.PostSetting);
        Map("GET", "/userdata", InfoRoutes.ListUserData);
        Map("GET", "/userdata/{file}", InfoRoutes.GetUserData);
        Map("POST", "/userdata/{file}", InfoRoutes.PostUserData);
        Map("DELETE", "/userdata/{file}", InfoRoutes.DeleteUserData);
        Map("GET", "/jobs", JobRoutes.List, apiOnly: true);
        Map("GET", "/jobs/{id}", JobRoutes.Get, apiOnly: true);
        Map("POST", "/jobs/{id}/cancel", JobRoutes.CancelOne, apiOnly: true);
        Map("POST", "/jobs/cancel", JobRoutes.CancelMany, apiOnly: true);

        if (State.Options.AdminRoutes)
        {
            Faults.AdminRoutes.Map(app, State);
        }

        // aiohttp's static catch-all: unknown GETs are 404, other methods 405.
        app.MapFallback(ctx => HttpBodies.Empty(ctx, HttpMethods.IsGet(ctx.Request.Method) ? 404 : 405));
    }

    public async ValueTask DisposeAsync()
    {
        await shutdown.CancelAsync().ConfigureAwait(false);
        State.Hub.AbortAll();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        try
        {
            await worker.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await app.DisposeAsync().ConfigureAwait(false);
        State.Queue.Dispose();
        shutdown.Dispose();
    }

    internal static FileStore CreateFiles(string root) => new(root);
}
