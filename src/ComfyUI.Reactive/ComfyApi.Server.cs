using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive;

/// <summary>Node definitions, models and server information.</summary>
public sealed partial class ComfyApi
{
    /// <summary>Reads every node definition (<c>GET /object_info</c>). Expensive on the server (it rescans model folders);
    /// it is also how to learn valid combo values such as checkpoint names.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Class name → definition.</returns>
    public async Task<IReadOnlyDictionary<string, NodeInfo>> GetObjectInfoAsync(CancellationToken cancellationToken = default) =>
        await CallAsync(_api.GetObjectInfoAsync, cancellationToken).ConfigureAwait(false);

    /// <summary>Reads every node definition as the server's own JSON text (<c>GET /object_info</c>), byte for byte: the
    /// file to save for the typed-nodes generator (<c>ComfyUI.Reactive.Generators</c>, see docs/typed-nodes.md) or to
    /// replay in the emulator.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The JSON text.</returns>
    public async Task<string> GetObjectInfoJsonAsync(CancellationToken cancellationToken = default)
    {
        using var response = await CallForResponseAsync(_api.GetObjectInfoResponseAsync, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads every node definition as a catalog (<c>GET /object_info</c>): the same instance as any other server's
    /// in this process that answered byte for byte the same (<see cref="SharedCatalogs"/>).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The catalog.</returns>
    internal Task<NodeSchemaCatalog> GetCatalogAsync(CancellationToken cancellationToken) =>
        ReadBodyAsync(_api.GetObjectInfoResponseAsync, SharedCatalogs.GetOrParse, cancellationToken);

    /// <summary>Reads one node definition (<c>GET /object_info/{class}</c>).</summary>
    /// <param name="nodeClass">The class name, e.g. <c>KSampler</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The definition, or null when the server has no such node.</returns>
    public async Task<NodeInfo?> GetNodeInfoAsync(string nodeClass, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeClass);
        var nodes = await CallAsync(ct => _api.GetNodeInfoAsync(nodeClass, ct), cancellationToken).ConfigureAwait(false);
        return nodes.TryGetValue(nodeClass, out var node) ? node : nodes.Values.FirstOrDefault();
    }

    /// <summary>Lists embedding names without extension (<c>GET /embeddings</c>).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<IReadOnlyList<string>> GetEmbeddingsAsync(CancellationToken cancellationToken = default) =>
        await CallAsync(_api.GetEmbeddingsAsync, cancellationToken).ConfigureAwait(false);

    /// <summary>Lists the model folder names, e.g. <c>checkpoints</c>, <c>loras</c> (<c>GET /models</c>).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<IReadOnlyList<string>> GetModelFoldersAsync(CancellationToken cancellationToken = default) =>
        await CallAsync(_api.GetModelFoldersAsync, cancellationToken).ConfigureAwait(false);

    /// <summary>Lists the files of a model folder as combo values (<c>GET /models/{folder}</c>); on Windows servers with backslashes.</summary>
    /// <param name="folder">The folder name, e.g. <c>checkpoints</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="ComfyApiException">404 for an unknown folder.</exception>
    public async Task<IReadOnlyList<string>> GetModelsAsync(string folder, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        return await CallAsync(ct => _api.GetModelsAsync(folder, ct), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists the URLs of the frontend's JavaScript extensions (<c>GET /extensions</c>).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<IReadOnlyList<string>> GetExtensionsAsync(CancellationToken cancellationToken = default) =>
        await CallAsync(_api.GetExtensionsAsync, cancellationToken).ConfigureAwait(false);

    /// <summary>Reads versions, memory and devices (<c>GET /system_stats</c>). The first success means the server is ready.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<SystemStats> GetSystemStatsAsync(CancellationToken cancellationToken = default) =>
        CallAsync(_api.GetSystemStatsAsync, cancellationToken);

    /// <summary>Reads the server's feature flags (<c>GET /features</c>).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="ComfyApiException">404 from servers older than July 2025, which have no feature flags.</exception>
    public Task<ServerFeatures> GetFeaturesAsync(CancellationToken cancellationToken = default) =>
        CallAsync(_api.GetFeaturesAsync, cancellationToken);
}
