using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Models;

/// <summary>
/// The server's feature flags (<c>GET /features</c>, also the websocket <c>feature_flags</c> reply). An open dictionary:
/// servers add flags over time and operators can add their own, so everything is kept in <see cref="Values"/>.
/// </summary>
[JsonConverter(typeof(ServerFeaturesJsonConverter))]
public sealed class ServerFeatures
{
    /// <summary>Every flag as sent, by name.</summary>
    public IReadOnlyDictionary<string, JsonElement> Values { get; init; } = new Dictionary<string, JsonElement>();

    /// <summary>True when the server can send previews with their prompt and node ids (binary type 4).</summary>
    public bool SupportsPreviewMetadata => Flag("supports_preview_metadata");

    /// <summary>The largest request body the server accepts, in bytes (sent as a float), or null when not announced.</summary>
    public double? MaxUploadSize =>
        Values.TryGetValue("max_upload_size", out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    /// <summary>True when the server rewrites uninstalled nodes that have a registered replacement.</summary>
    public bool NodeReplacements => Flag("node_replacements");

    /// <summary>True when the asset database is enabled.</summary>
    public bool Assets => Flag("assets");

    /// <summary>Returns whether a boolean flag is present and true.</summary>
    /// <param name="name">The flag name.</param>
    public bool Flag(string name) => Values.TryGetValue(name, out var v) && v.ValueKind == JsonValueKind.True;
}

/// <summary>Reads and writes <see cref="ServerFeatures"/> as the flat flags object.</summary>
internal sealed class ServerFeaturesJsonConverter : JsonConverter<ServerFeatures>
{
    public override ServerFeatures Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        var values = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (document.RootElement.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in document.RootElement.EnumerateObject())
            {
                values[property.Name] = property.Value.Clone();
            }
        }

        return new ServerFeatures { Values = values };
    }

    public override void Write(Utf8JsonWriter writer, ServerFeatures value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        foreach (var (name, flag) in value.Values)
        {
            writer.WritePropertyName(name);
            flag.WriteTo(writer);
        }

        writer.WriteEndObject();
    }
}
