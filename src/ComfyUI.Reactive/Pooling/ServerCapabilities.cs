using System.Collections.Frozen;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Pooling;

/// <summary>
/// What one server can run: its node classes and their combo lists (from <c>/object_info</c>), optionally its model files
/// per folder (from <c>/models/{folder}</c>, e.g. refreshed more often than object_info), and the tags its owner gave it.
/// Immutable; replace it to refresh.
/// </summary>
internal sealed class ServerCapabilities
{
    /// <summary>The model folders <see cref="FetchAsync"/> reads, i.e. those some loader input maps to.</summary>
    internal static readonly IReadOnlyList<string> KnownFolders =
    [
        "checkpoints", "loras", "vae", "diffusion_models", "text_encoders", "controlnet", "upscale_models", "style_models",
        "gligen", "hypernetworks", "clip_vision", "photomaker", "configs",
    ];

    private static readonly FrozenDictionary<string, string> FolderByInput = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["ckpt_name"] = "checkpoints",
        ["lora_name"] = "loras",
        ["vae_name"] = "vae",
        ["unet_name"] = "diffusion_models",
        ["clip_name"] = "text_encoders",
        ["clip_name1"] = "text_encoders",
        ["clip_name2"] = "text_encoders",
        ["clip_name3"] = "text_encoders",
        ["clip_name4"] = "text_encoders",
        ["control_net_name"] = "controlnet",
        ["upscale_model_name"] = "upscale_models",
        ["style_model_name"] = "style_models",
        ["gligen_name"] = "gligen",
        ["hypernetwork_name"] = "hypernetworks",
        ["clip_vision_name"] = "clip_vision",
        ["photomaker_model_name"] = "photomaker",
        ["config_name"] = "configs",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Creates the capabilities of a server.</summary>
    /// <param name="catalog">The server's node schemas.</param>
    /// <param name="modelsByFolder">Model file names per folder (e.g. <c>checkpoints</c>), or null when not fetched.</param>
    /// <param name="tags">The server's tags, or null for none.</param>
    public ServerCapabilities(
        NodeSchemaCatalog catalog,
        IReadOnlyDictionary<string, IReadOnlyList<string>>? modelsByFolder = null,
        IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        Catalog = catalog;
        ModelsByFolder = (modelsByFolder ?? new Dictionary<string, IReadOnlyList<string>>())
            .ToFrozenDictionary(
                kv => kv.Key,
                kv => kv.Value.Select(NormalizePath).ToFrozenSet(StringComparer.Ordinal),
                StringComparer.Ordinal);
        Tags = (tags ?? []).ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>The node schemas (class types and combo option lists).</summary>
    public NodeSchemaCatalog Catalog { get; }

    /// <summary>Model files per folder, with <c>\</c> normalised to <c>/</c>; folders not fetched are absent.</summary>
    public FrozenDictionary<string, FrozenSet<string>> ModelsByFolder { get; }

    /// <summary>The server's tags.</summary>
    public FrozenSet<string> Tags { get; }

    /// <summary>
    /// Reads a server's capabilities: <c>/object_info</c>, then <c>/models/{folder}</c> for every loader folder the server
    /// has (<see cref="KnownFolders"/>).
    /// </summary>
    /// <param name="api">The server's REST API.</param>
    /// <param name="tags">The tags to give the server, or null.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>The capabilities.</returns>
    public static async Task<ServerCapabilities> FetchAsync(ComfyApi api, IEnumerable<string>? tags, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(api);
        var catalog = api.GetCatalogAsync(cancellationToken);
        var folders = await api.GetModelFoldersAsync(cancellationToken).ConfigureAwait(false);
        var wanted = KnownFolders.Intersect(folders, StringComparer.Ordinal).ToList();
        var lists = await Task.WhenAll(wanted.Select(f => api.GetModelsAsync(f, cancellationToken))).ConfigureAwait(false);
        var models = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        for (var i = 0; i < wanted.Count; i++)
        {
            models[wanted[i]] = lists[i];
        }

        return new ServerCapabilities(await catalog.ConfigureAwait(false), models, tags);
    }

    /// <summary>The model folder a loader input reads from (<c>ckpt_name</c> → <c>checkpoints</c>), or null.</summary>
    /// <param name="inputName">The input name.</param>
    /// <returns>The folder, or null when the input is not a known loader input.</returns>
    public static string? FolderOf(string inputName) => FolderByInput.GetValueOrDefault(inputName);

    /// <summary>Windows servers list <c>sub\file</c>; workflows may say <c>sub/file</c>. Compare with one separator.</summary>
    internal static string NormalizePath(string file) => file.Replace('\\', '/');
}
