using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Models;

/// <summary>
/// The UI output of one node (<c>executed.output</c> and <c>history.outputs[id]</c>, PROTOCOL.md §5.6):
/// the common kinds typed, everything as <see cref="Raw"/> JSON so nothing a custom node sends is lost.
/// </summary>
[JsonConverter(typeof(NodeOutputJsonConverter))]
public sealed class NodeOutput
{
    private static readonly IReadOnlyList<ComfyFileReference> NoFiles = [];
    private static readonly IReadOnlyList<string> NoText = [];

    /// <summary>Image files (<c>images</c>), from SaveImage, PreviewImage and most image nodes.</summary>
    public IReadOnlyList<ComfyFileReference> Images { get; init; } = NoFiles;

    /// <summary>Animated or video files (<c>gifs</c>, <c>video</c>, <c>videos</c>), e.g. from video-combine nodes.</summary>
    public IReadOnlyList<ComfyFileReference> Videos { get; init; } = NoFiles;

    /// <summary>Audio files (<c>audio</c>).</summary>
    public IReadOnlyList<ComfyFileReference> Audio { get; init; } = NoFiles;

    /// <summary>Text items (<c>text</c>), e.g. from PreviewAny.</summary>
    public IReadOnlyList<string> Text { get; init; } = NoText;

    /// <summary>The <c>animated</c> flag list some image nodes add (one flag per image batch).</summary>
    public IReadOnlyList<bool> Animated { get; init; } = [];

    /// <summary>The whole output object as the server sent it (a detached copy, safe to keep).</summary>
    public JsonElement Raw { get; init; }

    /// <summary>Reads an output dict; unknown keys stay in <see cref="Raw"/>, malformed known keys are left empty.</summary>
    /// <param name="element">The JSON object of one node's output.</param>
    public static NodeOutput FromJson(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return new NodeOutput { Raw = element.Clone() };
        }

        List<ComfyFileReference>? videos = null;
        ReadFiles(element, "gifs", ref videos);
        ReadFiles(element, "video", ref videos);
        ReadFiles(element, "videos", ref videos);
        List<ComfyFileReference>? images = null;
        ReadFiles(element, "images", ref images);
        List<ComfyFileReference>? audio = null;
        ReadFiles(element, "audio", ref audio);

        return new NodeOutput
        {
            Images = images ?? NoFiles,
            Videos = videos ?? NoFiles,
            Audio = audio ?? NoFiles,
            Text = ReadStrings(element, "text"),
            Animated = ReadBools(element, "animated"),
            Raw = element.Clone(),
        };
    }

    private static void ReadFiles(JsonElement output, string key, ref List<ComfyFileReference>? into)
    {
        if (!output.TryGetProperty(key, out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Object &&
                item.TryGetProperty("filename", out var name) && name.ValueKind == JsonValueKind.String)
            {
                into ??= [];
                into.Add(new ComfyFileReference(
                    name.GetString()!,
                    GetString(item, "subfolder") ?? string.Empty,
                    GetString(item, "type") ?? "output")
                {
                    Format = GetString(item, "format"),
                });
            }
        }
    }

    private static IReadOnlyList<string> ReadStrings(JsonElement output, string key)
    {
        if (!output.TryGetProperty(key, out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return NoText;
        }

        var texts = new List<string>(list.GetArrayLength());
        foreach (var item in list.EnumerateArray())
        {
            // A text item that is not a string (a custom node's number or object) is kept as its JSON text.
            texts.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : item.GetRawText());
        }

        return texts;
    }

    private static IReadOnlyList<bool> ReadBools(JsonElement output, string key)
    {
        if (!output.TryGetProperty(key, out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        return [.. list.EnumerateArray().Where(i => i.ValueKind is JsonValueKind.True or JsonValueKind.False).Select(i => i.GetBoolean())];
    }

    private static string? GetString(JsonElement obj, string key) =>
        obj.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}

/// <summary>Reads and writes <see cref="NodeOutput"/> as the server's raw output dict.</summary>
internal sealed class NodeOutputJsonConverter : JsonConverter<NodeOutput>
{
    public override NodeOutput Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return NodeOutput.FromJson(document.RootElement);
    }

    public override void Write(Utf8JsonWriter writer, NodeOutput value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        value.Raw.WriteTo(writer);
    }
}
