using System.Text.Json;

namespace ComfyUI.Reactive.Events;

/// <summary>
/// <c>feature_flags</c>: the server's flags (the same object as <c>GET /features</c>), sent in reply to the
/// client's first <c>feature_flags</c> message.
/// </summary>
/// <remarks>The typed properties read <see cref="Flags"/>, so they always agree with it.</remarks>
/// <param name="Flags">
/// Every flag as sent. An open dictionary because servers add keys over time and
/// <c>--feature-flag KEY=VALUE</c> adds arbitrary ones.
/// </param>
public sealed record FeatureFlagsEvent(IReadOnlyDictionary<string, JsonElement> Flags)
    : ComfyEvent(ComfyEventTypes.FeatureFlags, null)
{
    /// <summary>The server sends type-4 previews (with ids) to clients that ask for them.</summary>
    public bool SupportsPreviewMetadata => ReadBool(Flags, "supports_preview_metadata");

    /// <summary>The largest request body the server accepts, in bytes; null when not advertised.</summary>
    /// <remarks>A double because the server computes it from a float number of MB (<c>104857600.0</c>).</remarks>
    public double? MaxUploadSize => ReadDouble(Flags, "max_upload_size");

    /// <summary>
    /// The server's text frames (binary type 3) carry a prompt id before the node id; pass this to
    /// <see cref="ComfyEventParser.ParseBinary(ReadOnlyMemory{byte}, bool)"/>.
    /// </summary>
    public bool SupportsProgressTextMetadata => ReadBool(Flags, "supports_progress_text_metadata");

    private static bool ReadBool(IReadOnlyDictionary<string, JsonElement> flags, string key) =>
        flags is not null && flags.TryGetValue(key, out var value) && value.ValueKind == JsonValueKind.True;

    private static double? ReadDouble(IReadOnlyDictionary<string, JsonElement> flags, string key) =>
        flags is not null && flags.TryGetValue(key, out var value) && value.ValueKind == JsonValueKind.Number &&
        value.TryGetDouble(out var number)
            ? number
            : null;
}
