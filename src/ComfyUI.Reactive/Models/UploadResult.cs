using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Models;

/// <summary>
/// The answer of <c>POST /upload/image</c> and <c>/upload/mask</c>. <see cref="Name"/> can differ from the name sent:
/// a different file under the same name is stored as <c>name (1).ext</c> unless overwrite was asked for.
/// </summary>
public sealed class UploadResult
{
    /// <summary>The stored file name.</summary>
    [JsonPropertyName("name")]
    public string Name { get; init; } = string.Empty;

    /// <summary>The subfolder, as sent (empty for the top level).</summary>
    [JsonPropertyName("subfolder")]
    public string Subfolder { get; init; } = string.Empty;

    /// <summary>The folder kind: <c>input</c>, <c>temp</c> or <c>output</c>.</summary>
    [JsonPropertyName("type")]
    public string Type { get; init; } = "input";

    /// <summary>The asset record when the server runs with the asset database, or null.</summary>
    [JsonPropertyName("asset")]
    public JsonElement? Asset { get; init; }

    /// <summary>The value to put into a LoadImage-style combo input: <c>subfolder/name</c>, or <c>name</c> at the top level.</summary>
    [JsonIgnore]
    public string WorkflowValue => Subfolder.Length == 0 ? Name : Subfolder + "/" + Name;

    /// <summary>The uploaded file as a reference for <c>/view</c> or as a mask's original.</summary>
    public ComfyFileReference ToFileReference() => new(Name, Subfolder, Type);
}
