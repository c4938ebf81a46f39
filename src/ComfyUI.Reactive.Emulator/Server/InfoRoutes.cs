using System.Text;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Emulator.Sockets;
using Microsoft.AspNetCore.Http;

namespace ComfyUI.Reactive.Emulator.Server;

/// <summary>Node definitions, models, system info, features and the in-memory user settings/data routes.</summary>
internal static class InfoRoutes
{
    private static readonly byte[] EmptyArray = "[]"u8.ToArray();
    public static Task ObjectInfo(HttpContext ctx, EmulatorState state) => HttpBodies.Json(ctx, state.Catalog.AllJson());

    public static Task ObjectInfoOne(HttpContext ctx, EmulatorState state) =>
        HttpBodies.Json(ctx, state.Catalog.OneJson((string)ctx.Request.RouteValues["cls"]!));

    public static Task Embeddings(HttpContext ctx) => HttpBodies.Json(ctx, EmptyArray);

    public static Task Extensions(HttpContext ctx) => HttpBodies.Json(ctx, EmptyArray);

    public static Task Models(HttpContext ctx) => HttpBodies.Json(ctx, Fixtures.Models);

    public static Task ModelFolder(HttpContext ctx, EmulatorState state)
    {
        var folder = (string)ctx.Request.RouteValues["folder"]!;
        if (state.Models.Files(folder) is not { } names)
        {
            return HttpBodies.Empty(ctx, 404);
        }

        return HttpBodies.Json(ctx, JsonFrames.Write(names, static (w, c) =>
        {
            w.WriteStartArray();
            foreach (var name in c)
            {
                w.WriteStringValue(name);
            }

            w.WriteEndArray();
        }));
    }

    /// <summary>
    /// <c>GET /view_metadata/{folder}?filename=</c>: the safetensors <c>__metadata__</c> object; an empty 404 when the
    /// name is missing or not <c>.safetensors</c>, the file does not exist, or it has no metadata (server.py).
    /// Only checkpoints exist in the emulator; their metadata comes from <see cref="ComfyEmulatorOptions.CheckpointMetadata"/>.
    /// </summary>
    public static Task ViewMetadata(HttpContext ctx, EmulatorState state)
    {
        var folder = (string)ctx.Request.RouteValues["folder"]!;
        var filename = ctx.Request.Query["filename"].ToString();
        if (folder != "checkpoints" || !filename.EndsWith(".safetensors", StringComparison.Ordinal) ||
            !(state.Models.Files("checkpoints") ?? []).Contains(filename, StringComparer.Ordinal) ||
            !state.Options.CheckpointMetadata.TryGetValue(filename, out var metadata))
        {
            return HttpBodies.Empty(ctx, 404);
        }

        return HttpBodies.Json(ctx, JsonFrames.Write(metadata, static (w, m) =>
        {
            w.WriteStartObject();
            foreach (var (key, value) in m)
            {
                w.WriteString(key, value);
            }

            w.WriteEndObject();
        }));
    }

    public static Task SystemStats(HttpContext ctx) => HttpBodies.Json(ctx, Fixtures.SystemStats);

    public static Task Features(HttpContext ctx) => HttpBodies.Json(ctx, Fixtures.Features);

    public static Task Users(HttpContext ctx) => HttpBodies.Json(ctx, """{"storage":"server","migrated":true}"""u8.ToArray());

    public static Task GetSettings(HttpContext ctx, EmulatorState state)
    {
        var obj = new JsonObject();
        foreach (var (k, v) in state.Settings.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            obj[k] = JsonNode.Parse(v);
        }

        return HttpBodies.Json(ctx, obj);
    }

    public static async Task PostSettings(HttpContext ctx, EmulatorState state)
    {
        if (await HttpBodies.ReadJsonAsync(ctx).ConfigureAwait(false) is not JsonObject body)
        {
            await HttpBodies.ServerError(ctx).ConfigureAwait(false);
            return;
        }

        foreach (var (k, v) in body)
        {
            state.Settings[k] = v?.ToJsonString() ?? "null";
        }

        await HttpBodies.Empty(ctx).ConfigureAwait(false);
    }

    public static Task GetSetting(HttpContext ctx, EmulatorState state) =>
        HttpBodies.Json(ctx, Encoding.UTF8.GetBytes(state.Settings.TryGetValue((string)ctx.Request.RouteValues["id"]!, out var v) ? v : "null"));

    public static async Task PostSetting(HttpContext ctx, EmulatorState state)
    {
        var body = await HttpBodies.ReadJsonAsync(ctx).ConfigureAwait(false);
        state.Settings[(string)ctx.Request.RouteValues["id"]!] = body?.ToJsonString() ?? "null";
        await HttpBodies.Empty(ctx).ConfigureAwait(false);
    }

    public static Task ListUserData(HttpContext ctx, EmulatorState state)
    {
        if (!ctx.Request.Query.TryGetValue("dir", out var dirValues) || string.IsNullOrEmpty(dirValues))
        {
            return Text(ctx, 400, "Directory not provided");
        }

        var dir = dirValues.ToString().TrimEnd('/') + "/";
        var recurse = ctx.Request.Query["recurse"] == "true";
        var names = state.UserData.Keys
            .Where(k => k.StartsWith(dir, StringComparison.Ordinal) && (recurse || !k[dir.Length..].Contains('/', StringComparison.Ordinal)))
            .Select(k => k[dir.Length..])
            .Order(StringComparer.Ordinal)
            .ToList();
        if (names.Count == 0 && !state.UserData.Keys.Any(k => k.StartsWith(dir, StringComparison.Ordinal)))
        {
            return Text(ctx, 404, "Directory not found");
        }

        return HttpBodies.Json(ctx, new JsonArray(names.Select(n => (JsonNode?)n).ToArray()));
    }

    public static Task GetUserData(HttpContext ctx, EmulatorState state)
    {
        var file = Uri.UnescapeDataString((string)ctx.Request.RouteValues["file"]!);
        if (!state.UserData.TryGetValue(file, out var stored))
        {
            return HttpBodies.Empty(ctx, 404);
        }

        var content = stored.Content;

        ctx.Response.ContentType = file.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? "application/json" : "application/octet-stream";
        ctx.Response.ContentLength = content.Length;
        return ctx.Response.Body.WriteAsync(content).AsTask();
    }

    public static async Task PostUserData(HttpContext ctx, EmulatorState state)
    {
        var file = Uri.UnescapeDataString((string)ctx.Request.RouteValues["file"]!);
        if (file.Contains("..", StringComparison.Ordinal) || file.StartsWith('/'))
        {
            await HttpBodies.Empty(ctx, 400).ConfigureAwait(false);
            return;
        }

        var overwrite = ctx.Request.Query["overwrite"] != "false";
        if (!overwrite && state.UserData.ContainsKey(file))
        {
            await Text(ctx, 409, "File already exists").ConfigureAwait(false);
            return;
        }

        using var memory = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(memory, ctx.RequestAborted).ConfigureAwait(false);
        state.UserData[file] = new UserFile(memory.ToArray(), state.Options.TimeProvider.GetUtcNow());
        await HttpBodies.Json(ctx, JsonValue.Create(file)!).ConfigureAwait(false);
    }

    public static Task DeleteUserData(HttpContext ctx, EmulatorState state) =>
        state.UserData.TryRemove(Uri.UnescapeDataString((string)ctx.Request.RouteValues["file"]!), out _) ? HttpBodies.Empty(ctx, 204) : HttpBodies.Empty(ctx, 404);

    private static Task Text(HttpContext ctx, int status, string text) => HttpBodies.Text(ctx, status, text);
}
