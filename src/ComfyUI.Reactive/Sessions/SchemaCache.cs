using System.Reactive.Concurrency;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Sessions;

/// <summary>
/// A server's node schemas (<c>/object_info</c>) fetched once and shared by every job's validation and a pool's
/// capability read; the model lists (<c>/models/{folder}</c>) are read with them when a pool asks.
/// </summary>
/// <remarks><c>/object_info</c> is expensive (the server rescans its model folders), so one fetch is in flight at a time
/// and every caller waits for it; a failed fetch is retried by the next caller. Servers answering byte for byte the same
/// share one parsed catalog (<see cref="SharedCatalogs"/>).</remarks>
internal sealed class SchemaCache(ComfyApi api, IScheduler scheduler)
{
    private static readonly TimeSpan MinRefetchAge = TimeSpan.FromSeconds(1);
    private Snapshot? _catalog;

    /// <summary>The cached catalog if one was fetched successfully, else null (never fetches).</summary>
    public NodeSchemaCatalog? Cached =>
        Volatile.Read(ref _catalog) is { Task.IsCompletedSuccessfully: true } snapshot ? snapshot.Task.Result : null;

    /// <summary>The catalog: the cached one, the fetch in flight, or a new fetch.</summary>
    /// <param name="cancellationToken">Stops waiting (the shared fetch goes on).</param>
    /// <returns>The catalog.</returns>
    public Task<NodeSchemaCatalog> GetCatalogAsync(CancellationToken cancellationToken)
    {
        var snapshot = Volatile.Read(ref _catalog);
        if (snapshot is null || snapshot.Task.IsFaulted || snapshot.Task.IsCanceled)
        {
            var fresh = new Snapshot(FetchAsync(), scheduler.Now);
            snapshot = Interlocked.CompareExchange(ref _catalog, fresh, snapshot) == snapshot ? fresh : Volatile.Read(ref _catalog)!;
        }

        return snapshot.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Forgets the catalog; the next caller fetches it again.</summary>
    public void Invalidate() => Volatile.Write(ref _catalog, null);

    /// <summary>Refetches if <paramref name="stale"/> is the cached catalog and at least a second old (a rejection may
    /// come from models added since); else returns the cached one.</summary>
    /// <param name="stale">The catalog a validation rejected with.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The fresh (or current) catalog.</returns>
    public Task<NodeSchemaCatalog> RefreshAsync(NodeSchemaCatalog stale, CancellationToken cancellationToken)
    {
        var snapshot = Volatile.Read(ref _catalog);
        if (snapshot is { Task.IsCompletedSuccessfully: true } && ReferenceEquals(snapshot.Task.Result, stale) &&
            scheduler.Now - snapshot.FetchedAt >= MinRefetchAge)
        {
            Interlocked.CompareExchange(ref _catalog, null, snapshot);
        }

        return GetCatalogAsync(cancellationToken);
    }

    /// <summary>
    /// The catalog and the model files of every folder in <paramref name="folders"/> the server has. The catalog is the
    /// shared one unless <paramref name="refresh"/> (a pool re-reading a server after an outage or on its interval), in
    /// which case it is fetched again and replaces the cached one for the jobs too.
    /// </summary>
    /// <param name="folders">The model folders of interest.</param>
    /// <param name="refresh">Whether to fetch the catalog again.</param>
    /// <param name="cancellationToken">Cancels the model reads and the wait.</param>
    /// <returns>The schema.</returns>
    public async Task<ServerSchema> ReadAsync(IReadOnlyList<string> folders, bool refresh, CancellationToken cancellationToken)
    {
        if (refresh)
        {
            Invalidate();
        }

        var catalog = GetCatalogAsync(cancellationToken);
        var available = await api.GetModelFoldersAsync(cancellationToken).ConfigureAwait(false);
        var wanted = folders.Intersect(available, StringComparer.Ordinal).ToList();
        var lists = await Task.WhenAll(wanted.Select(f => api.GetModelsAsync(f, cancellationToken))).ConfigureAwait(false);
        var models = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        for (var i = 0; i < wanted.Count; i++)
        {
            models[wanted[i]] = lists[i];
        }

        return new ServerSchema(await catalog.ConfigureAwait(false), models);
    }

    private Task<NodeSchemaCatalog> FetchAsync() => api.GetCatalogAsync(CancellationToken.None);

    private sealed record Snapshot(Task<NodeSchemaCatalog> Task, DateTimeOffset FetchedAt);
}

/// <summary>A server's node schemas and model files per folder.</summary>
/// <param name="Catalog">The node schemas.</param>
/// <param name="ModelsByFolder">Model file names per folder that was read.</param>
internal sealed record ServerSchema(NodeSchemaCatalog Catalog, IReadOnlyDictionary<string, IReadOnlyList<string>> ModelsByFolder);
