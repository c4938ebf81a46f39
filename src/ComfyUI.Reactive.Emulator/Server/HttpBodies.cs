using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace ComfyUI.Reactive.Emulator.Server;

/// <summary>Response shapes of aiohttp: JSON with <c>charset=utf-8</c>, empty bodies typed <c>application/octet-stream</c>, and its plain-text 500 page.</summary>
internal static class HttpBodies
{
    private static readonly byte[] Error500 = "500 Internal Server Error\n\nServer got itself in trouble"u8.ToArray();

    public static Task Json(HttpContext ctx, byte[] body, int status = 200)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/json; charset=utf-8";
        ctx.Response.ContentLength = body.Length;
        return ctx.Response.Body.WriteAsync(body).AsTask();
    }

    public static Task Json(HttpContext ctx, JsonNode node, int status = 200) =>
        Json(ctx, Sockets.JsonFrames.Write(node, static (w, n) => n.WriteTo(w)), status);

    public static Task Empty(HttpContext ctx, int status = 200)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "application/octet-stream";
        ctx.Response.ContentLength = 0;
        return Task.CompletedTask;
    }

    /// <summary>aiohttp's <c>web.Response(status=…, text=…)</c>: a plain-text body.</summary>
    public static Task Text(HttpContext ctx, int status, string text)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        return ctx.Response.WriteAsync(text);
    }

    public static Task ServerError(HttpContext ctx)
    {
        ctx.Response.StatusCode = 500;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        ctx.Response.ContentLength = Error500.Length;
        return ctx.Response.Body.WriteAsync(Error500).AsTask();
    }

    /// <summary>Reads the body as JSON; null when it is not JSON (the caller answers 500 like aiohttp's unhandled error).</summary>
    public static async Task<JsonNode?> ReadJsonAsync(HttpContext ctx)
    {
        try
        {
            using var memory = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(memory, ctx.RequestAborted).ConfigureAwait(false);
            return memory.Length == 0 ? null : JsonNode.Parse(memory.GetBuffer().AsSpan(0, (int)memory.Length));
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
