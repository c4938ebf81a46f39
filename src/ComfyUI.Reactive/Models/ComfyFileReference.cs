using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Models;

/// <summary>
/// A file the server produced or holds, as it appears in output dicts (<c>{"filename", "subfolder", "type"}</c>)
/// and upload answers. Fetch it through <c>/view</c>; never use <see cref="Filename"/> or <see cref="Subfolder"/>
/// as a local path, they come from the server.
/// </summary>
/// <param name="Filename">The file name on the server, e.g. <c>ComfyUI_00001_.png</c>.</param>
/// <param name="Subfolder">The subfolder under the type's folder; empty for the top level.</param>
/// <param name="Type">The folder kind: <c>output</c>, <c>temp</c> or <c>input</c>.</param>
public sealed record ComfyFileReference(
    [property: JsonPropertyName("filename")] string Filename,
    [property: JsonPropertyName("subfolder")] string Subfolder,
    [property: JsonPropertyName("type")] string Type)
{
    /// <summary>The <c>format</c> some nodes add (e.g. <c>image/gif</c>, <c>video/h264-mp4</c>); null when absent.</summary>
    [JsonPropertyName("format")]
    public string? Format { get; init; }
}
