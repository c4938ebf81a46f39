using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Models;

/// <summary>
/// A file in the user's data folder, from <c>GET /userdata</c> (v1) or from writing or moving a file. The server
/// answers in one of three shapes (a path string, a <c>[path, part, ...]</c> array with <c>split</c>, or an object with
/// <c>full_info</c>); all read into this type, with the members the shape did not carry left null.
/// </summary>
[JsonConverter(typeof(UserDataFileJsonConverter))]
public sealed class UserDataFile
{
    /// <summary>The path relative to the listed directory (or to the user folder after a write), with <c>/</c> separators.</summary>
    public string Path { get; init; } = string.Empty;

    /// <summary>The path's segments when listed with <c>split</c>, otherwise null.</summary>
    public IReadOnlyList<string>? Segments { get; init; }

    /// <summary>The size in bytes, when the server sent full info.</summary>
    public long? Size { get; init; }

    /// <summary>The last-write time as the server sent it: epoch milliseconds on servers since May 2026, epoch seconds before.</summary>
    public double? Modified { get; init; }

    /// <summary>The creation time, in the same unit as <see cref="Modified"/>.</summary>
    public double? Created { get; init; }

    /// <summary><see cref="Modified"/> as a point in time, whichever unit the server used; null when absent.</summary>
    public DateTimeOffset? ModifiedAt => EpochTime.FromSecondsOrMilliseconds(Modified);

    /// <summary><see cref="Created"/> as a point in time, whichever unit the server used; null when absent.</summary>
    public DateTimeOffset? CreatedAt => EpochTime.FromSecondsOrMilliseconds(Created);

    /// <summary>Returns the path.</summary>
    public override string ToString() => Path;
}

/// <summary>Converts the server's epoch numbers, which changed unit over time.</summary>
internal static class EpochTime
{
    // 1e11 seconds is the year 5138 while 1e11 milliseconds is 1973, so the magnitude tells the unit apart.
    private const double MillisecondsThreshold = 1e11;

    internal static DateTimeOffset? FromSecondsOrMilliseconds(double? value) =>
        value is not { } v || !double.IsFinite(v) ? null
        : v >= MillisecondsThreshold ? DateTimeOffset.UnixEpoch.AddMilliseconds(v)
        : DateTimeOffset.UnixEpoch.AddSeconds(v);
}

/// <summary>Reads the three v1 user-data shapes into <see cref="UserDataFile"/>; writes the object shape.</summary>
internal sealed class UserDataFileJsonConverter : JsonConverter<UserDataFile>
{
    public override UserDataFile Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        switch (root.ValueKind)
        {
            case JsonValueKind.String:
                return new UserDataFile { Path = root.GetString()! };
            case JsonValueKind.Array:
                var parts = root.EnumerateArray().Select(p => p.ValueKind == JsonValueKind.String ? p.GetString()! : p.GetRawText()).ToList();
                return new UserDataFile { Path = parts.Count > 0 ? parts[0] : string.Empty, Segments = parts.Skip(1).ToList() };
            case JsonValueKind.Object:
                return new UserDataFile
                {
                    Path = root.TryGetProperty("path", out var path) && path.ValueKind == JsonValueKind.String ? path.GetString()! : string.Empty,
                    Size = Number(root, "size") is { } size ? (long)size : null,
                    Modified = Number(root, "modified"),
                    Created = Number(root, "created"),
                };
            default:
                throw new JsonException($"A user-data entry must be a string, an array or an object, got {root.ValueKind}.");
        }
    }

    public override void Write(Utf8JsonWriter writer, UserDataFile value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        writer.WriteString("path", value.Path);
        if (value.Size is { } size)
        {
            writer.WriteNumber("size", size);
        }

        if (value.Modified is { } modified)
        {
            writer.WriteNumber("modified", modified);
        }

        if (value.Created is { } created)
        {
            writer.WriteNumber("created", created);
        }

        writer.WriteEndObject();
    }

    private static double? Number(JsonElement obj, string key) =>
        obj.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
}
