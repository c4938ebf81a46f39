using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Emulator.Server;
using Microsoft.AspNetCore.Http;
using SkiaSharp;

namespace ComfyUI.Reactive.Emulator.Files;

/// <summary><c>POST /upload/image</c>, <c>POST /upload/mask</c> and <c>GET /view</c> (PROTOCOL.md §2.10, transcripts §2 and §5).</summary>
internal static class FileRoutes
{
    public static Task UploadImage(HttpContext ctx, EmulatorState state) => UploadAsync(ctx, state, mask: false);

    public static Task UploadMask(HttpContext ctx, EmulatorState state) => UploadAsync(ctx, state, mask: true);

    private static async Task UploadAsync(HttpContext ctx, EmulatorState state, bool mask)
    {
        if (!ctx.Request.HasFormContentType)
        {
            await HttpBodies.Empty(ctx, 400).ConfigureAwait(false);
            return;
        }

        var form = await ctx.Request.ReadFormAsync(ctx.RequestAborted).ConfigureAwait(false);
        var image = form.Files.GetFile("image");
        if (image is null || string.IsNullOrEmpty(image.FileName))
        {
            await HttpBodies.Empty(ctx, 400).ConfigureAwait(false);
            return;
        }

        var type = form.TryGetValue("type", out var t) && !string.IsNullOrEmpty(t) ? t.ToString() : "input";
        var baseDir = state.Files.DirectoryOf(type);
        if (baseDir is null)
        {
            await HttpBodies.ServerError(ctx).ConfigureAwait(false);
            return;
        }

        var subfolder = form.TryGetValue("subfolder", out var s) ? s.ToString() : string.Empty;
        var folder = FileStore.SafeJoin(baseDir, subfolder);
        var fileName = Path.GetFileName(image.FileName);
        if (folder is null || string.IsNullOrEmpty(fileName))
        {
            await HttpBodies.Empty(ctx, 400).ConfigureAwait(false);
            return;
        }

        byte[] content;
        using (var memory = new MemoryStream())
        {
            await image.CopyToAsync(memory, ctx.RequestAborted).ConfigureAwait(false);
            content = memory.ToArray();
        }

        if (mask)
        {
            if (!form.TryGetValue("original_ref", out var originalRef))
            {
                await HttpBodies.ServerError(ctx).ConfigureAwait(false);
                return;
            }

            var merged = MergeMask(state.Files, originalRef.ToString(), content);
            if (merged is null)
            {
                // The real server answers 200 with a name but writes nothing when the original is missing.
                await Respond(ctx, fileName, subfolder, type).ConfigureAwait(false);
                return;
            }

            content = merged;
        }

        var overwrite = form.TryGetValue("overwrite", out var o) && (o == "true" || o == "1");
        var finalName = state.Files.Upload(folder, fileName, content, overwrite);
        await Respond(ctx, finalName, subfolder, type).ConfigureAwait(false);
    }

    private static Task Respond(HttpContext ctx, string name, string subfolder, string type) =>
        HttpBodies.Json(ctx, new JsonObject { ["name"] = name, ["subfolder"] = subfolder, ["type"] = type });

    private static byte[]? MergeMask(FileStore files, string originalRef, byte[] maskBytes)
    {
        try
        {
            var reference = JsonNode.Parse(originalRef)!.AsObject();
            var name = reference["filename"]!.GetValue<string>();
            var type = reference["type"]?.GetValue<string>() ?? "input";
            var sub = reference["subfolder"]?.GetValue<string>() ?? string.Empty;
            var dir = files.DirectoryOf(type);
            var folder = dir is null ? null : FileStore.SafeJoin(dir, sub);
            var path = folder is null ? null : FileStore.SafeJoin(folder, name);
            if (path is null || !File.Exists(path))
            {
                return null;
            }

            using var original = SKBitmap.Decode(path);
            using var maskBitmap = SKBitmap.Decode(maskBytes);
            if (original is null || maskBitmap is null)
            {
                return null;
            }

            using var result = new SKBitmap(new SKImageInfo(original.Width, original.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
            for (var y = 0; y < original.Height; y++)
            {
                for (var x = 0; x < original.Width; x++)
                {
                    var px = original.GetPixel(x, y);
                    var alpha = x < maskBitmap.Width && y < maskBitmap.Height ? maskBitmap.GetPixel(x, y).Alpha : (byte)255;
                    result.SetPixel(x, y, px.WithAlpha(alpha));
                }
            }

            return Nodes.ImageCodec.Encode(result, SKEncodedImageFormat.Png, 100);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NullReferenceException or FormatException)
        {
            return null;
        }
    }

    public static async Task View(HttpContext ctx, EmulatorState state)
    {
        var query = ctx.Request.Query;
        if (!query.TryGetValue("filename", out var filenameValues))
        {
            await HttpBodies.Empty(ctx, 404).ConfigureAwait(false);
            return;
        }

        var filename = filenameValues.ToString();
        var type = query.TryGetValue("type", out var t) && !string.IsNullOrEmpty(t) ? t.ToString() : "output";
        foreach (var candidate in FileStore.Types)
        {
            var suffix = " [" + candidate + "]";
            if (filename.EndsWith(suffix, StringComparison.Ordinal))
            {
                filename = filename[..^suffix.Length];
                type = candidate;
            }
        }

        if (filename.StartsWith('/') || filename.Contains("..", StringComparison.Ordinal))
        {
            await HttpBodies.Empty(ctx, 400).ConfigureAwait(false);
            return;
        }

        var baseDir = state.Files.DirectoryOf(type);
        if (baseDir is null)
        {
            await HttpBodies.Empty(ctx, 400).ConfigureAwait(false);
            return;
        }

        var folder = FileStore.SafeJoin(baseDir, query.TryGetValue("subfolder", out var sub) ? sub.ToString() : string.Empty);
        if (folder is null)
        {
            await HttpBodies.Empty(ctx, 403).ConfigureAwait(false);
            return;
        }

        var path = FileStore.SafeJoin(folder, filename);
        if (path is null || !File.Exists(path))
        {
            await HttpBodies.Empty(ctx, 404).ConfigureAwait(false);
            return;
        }

        var bytes = await File.ReadAllBytesAsync(path, ctx.RequestAborted).ConfigureAwait(false);
        var contentType = ContentType(filename);
        var channel = query.TryGetValue("channel", out var c) ? c.ToString() : "rgba";
        var preview = query.TryGetValue("preview", out var p) ? p.ToString() : null;
        if ((channel is "rgb" or "a" || preview is not null) && contentType.StartsWith("image/", StringComparison.Ordinal))
        {
            (bytes, contentType) = Reencode(bytes, channel, preview);
        }

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = contentType;
        ctx.Response.Headers.ContentDisposition = $"filename=\"{Path.GetFileName(filename)}\"";
        ctx.Response.ContentLength = bytes.Length;
        await ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted).ConfigureAwait(false);
    }

    private static (byte[], string) Reencode(byte[] bytes, string channel, string? preview)
    {
        using var bitmap = SKBitmap.Decode(bytes);
        if (bitmap is null)
        {
            return (bytes, "application/octet-stream");
        }

        using var target = new SKBitmap(new SKImageInfo(bitmap.Width, bitmap.Height, SKColorType.Rgba8888, channel == "rgba" ? SKAlphaType.Unpremul : SKAlphaType.Opaque));
        for (var y = 0; y < bitmap.Height; y++)
        {
            for (var x = 0; x < bitmap.Width; x++)
            {
                var px = bitmap.GetPixel(x, y);
                target.SetPixel(x, y, channel switch
                {
                    "a" => new SKColor(px.Alpha, px.Alpha, px.Alpha),
                    "rgb" => px.WithAlpha(255),
                    _ => px,
                });
            }
        }

        if (preview is null)
        {
            return (Nodes.ImageCodec.Encode(target, SKEncodedImageFormat.Png, 100), "image/png");
        }

        var parts = preview.Split(';');
        var quality = parts.Length > 1 && int.TryParse(parts[1], out var q) ? q : 90;
        return parts[0] == "jpeg" && channel != "a"
            ? (Nodes.ImageCodec.Encode(target, SKEncodedImageFormat.Jpeg, quality), "image/jpeg")
            : (Nodes.ImageCodec.Encode(target, SKEncodedImageFormat.Webp, quality), "image/webp");
    }

    private static string ContentType(string name) => Path.GetExtension(name).ToUpperInvariant() switch
    {
        ".PNG" => "image/png",
        ".JPG" or ".JPEG" => "image/jpeg",
        ".WEBP" => "image/webp",
        ".GIF" => "image/gif",
        ".JSON" => "application/json",
        ".TXT" => "text/plain",
        ".MP4" => "video/mp4",
        ".WEBM" => "video/webm",
        ".WAV" => "audio/x-wav",
        ".FLAC" => "audio/flac",
        ".MP3" => "audio/mpeg",
        _ => "application/octet-stream",
    };
}
