using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Models;

/// <summary>A file or directory from <c>GET /v2/userdata</c>; directories come first, then files, each by name.</summary>
public sealed class UserDataItem
{
    /// <summary>The entry's name.</summary>
    [JsonPropertyName("name")]
    public string Name { get; init; } = string.Empty;

    /// <summary>The path relative to the user folder.</summary>
    [JsonPropertyName("path")]
    public string Path { get; init; } = string.Empty;

    /// <summary><c>file</c> or <c>directory</c>.</summary>
    [JsonPropertyName("type")]
    public string Type { get; init; } = string.Empty;

    /// <summary>The size in bytes (files only).</summary>
    [JsonPropertyName("size")]
    [JsonConverter(typeof(FlexibleInt64JsonConverter))]
    public long? Size { get; init; }

    /// <summary>The last-write time in epoch seconds (a float), files only.</summary>
    [JsonPropertyName("modified")]
    public double? Modified { get; init; }

    /// <summary>True for a directory.</summary>
    [JsonIgnore]
    public bool IsDirectory => string.Equals(Type, "directory", StringComparison.Ordinal);

    /// <summary><see cref="Modified"/> as a point in time, or null.</summary>
    [JsonIgnore]
    public DateTimeOffset? ModifiedAt => EpochTime.FromSecondsOrMilliseconds(Modified);
}
