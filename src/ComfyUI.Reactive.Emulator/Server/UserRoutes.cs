using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ComfyUI.Reactive.Emulator.Sockets;
using Microsoft.AspNetCore.Http;

namespace ComfyUI.Reactive.Emulator.Server;

/// <summary>
/// <c>POST /users</c> and <c>GET /v2/userdata</c> of app/user_manager.py (PROTOCOL.md §2.13), over the emulator's
/// in-memory user data. The emulator is a single-user server, so the <c>Comfy-User</c> header is ignored, as there.
/// </summary>
internal static partial class UserRoutes
{
    [GeneratedRegex("[^a-zA-Z0-9_-]+", RegexOptions.CultureInvariant)]
    private static partial Regex UnsafeIdCharacters();

    /// <summary>Body <c>{"username": name}</c> → the new user id as a JSON string; 400 for a duplicate, empty or <c>__</c> name.</summary>
    public static async Task PostUsers(HttpContext ctx, EmulatorState state)
    {
        // body["username"] on a non-object or without the key is an unhandled KeyError/TypeError there: 500.
        if (await HttpBodies.ReadJsonAsync(ctx).ConfigureAwait(false) is not JsonObject body || !body.TryGetPropertyValue("username", out var value) ||
            value is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
        {
            await HttpBodies.ServerError(ctx).ConfigureAwait(false);
            return;
        }

        var (status, answer) = AddUser(state, v.GetValue<string>());
        await HttpBodies.Json(ctx, answer, status).ConfigureAwait(false);
    }

    private static (int Status, JsonNode Answer) AddUser(EmulatorState state, string username)
    {
        lock (state.Users)
        {
            // The duplicate check compares the name as sent; the stored name is trimmed (user_manager.py).
            if (state.Users.ContainsValue(username))
            {
                return (400, new JsonObject { ["error"] = "Duplicate username." });
            }

            if (AddUserError(username) is { } error)
            {
                return (400, new JsonObject { ["error"] = error });
            }

            var name = username.Trim();
            var userId = UnsafeIdCharacters().Replace(name, "-") + "_" + Guid.NewGuid();
            state.Users[userId] = name;
            return (200, JsonValue.Create(userId));
        }
    }

    /// <summary>The <c>ValueError</c> texts of <c>UserManager.add_user</c>, or null when the name is acceptable.</summary>
    private static string? AddUserError(string username)
    {
        var name = username.Trim();
        if (name.Length == 0)
        {
            return "username not provided";
        }

        return name.StartsWith("__", StringComparison.Ordinal) || UnsafeIdCharacters().Replace(name, "-").StartsWith("__", StringComparison.Ordinal)
            ? "System User prefix not allowed"
            : null;
    }

    /// <summary>
    /// <c>GET /v2/userdata?path=</c>: every directory and file below the path (recursively, like <c>os.walk</c>), paths
    /// relative to the user root, directories first, then by lower-cased name; files carry <c>size</c> and
    /// <c>modified</c> (float seconds).
    /// </summary>
    public static Task ListUserDataV2(HttpContext ctx, EmulatorState state)
    {
        // aiohttp decodes the query once, the handler unquotes again, and get_request_user_filepath once more when a '%' is left.
        var requested = Uri.UnescapeDataString(ctx.Request.Query["path"].ToString());
        if (requested.Contains('%', StringComparison.Ordinal))
        {
            requested = Uri.UnescapeDataString(requested);
        }

        if (Normalize(requested) is not { } target)
        {
            return HttpBodies.Text(ctx, 400, "Invalid path requested");
        }

        var files = state.UserData.ToArray();
        var prefix = target.Length == 0 ? string.Empty : target + "/";
        if (target.Length > 0 && !files.Any(f => f.Key.StartsWith(prefix, StringComparison.Ordinal)))
        {
            return files.Any(f => f.Key == target)
                ? HttpBodies.Text(ctx, 400, "Requested path is not a directory")
                : HttpBodies.Text(ctx, 404, "Requested path not found");
        }

        var directories = new SortedSet<string>(StringComparer.Ordinal);
        var entries = new List<(string Name, string Path, UserFile? File)>();
        foreach (var (path, file) in files.Where(f => f.Key.StartsWith(prefix, StringComparison.Ordinal)))
        {
            for (var slash = path.IndexOf('/', prefix.Length); slash >= 0; slash = path.IndexOf('/', slash + 1))
            {
                directories.Add(path[..slash]);
            }

            entries.Add((path[(path.LastIndexOf('/') + 1)..], path, file));
        }

        entries.AddRange(directories.Select(d => (d[(d.LastIndexOf('/') + 1)..], d, (UserFile?)null)));
        var sorted = entries
            .OrderBy(e => e.File is not null)
            .ThenBy(e => e.Name.ToLowerInvariant(), StringComparer.Ordinal)
            .ThenBy(e => e.Path, StringComparer.Ordinal)
            .ToList();
        return HttpBodies.Json(ctx, JsonFrames.Write(sorted, static (w, list) =>
        {
            w.WriteStartArray();
            foreach (var (name, path, file) in list)
            {
                w.WriteStartObject();
                w.WriteString("name", name);
                w.WriteString("path", path);
                w.WriteString("type", file is null ? "directory" : "file");
                if (file is not null)
                {
                    w.WriteNumber("size", file.Content.Length);
                    w.WritePropertyName("modified");
                    JsonFrames.WritePythonNumber(w, file.Modified.ToUnixTimeMilliseconds() / 1000.0, isFloat: true);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        }));
    }

    /// <summary>
    /// <c>os.path.abspath(join(user_root, path))</c> relative to the root: "" for the root itself, null when the path
    /// is absolute or climbs out of the root (the server's <c>commonpath</c> check).
    /// </summary>
    private static string? Normalize(string path)
    {
        if (path.StartsWith('/'))
        {
            return null;
        }

        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    return null;
                }

                parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
    }
}
