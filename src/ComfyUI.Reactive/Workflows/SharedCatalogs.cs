using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using ComfyUI.Reactive.Rest;

namespace ComfyUI.Reactive.Workflows;

/// <summary>
/// The catalogs read from <c>/object_info</c> in this process, by the SHA-256 of the server's answer: servers that answer
/// byte for byte the same (a pool of identically installed servers) share one parsed, immutable catalog instead of one
/// each. Held weakly: a catalog no server session uses any more is collected as before.
/// </summary>
/// <remarks>A catalog is a few megabytes of parsed schema on a server with many custom nodes, and parsing it is most of a
/// client's start-up CPU; a pool of N servers paid both N times. Hashing the answer costs a fraction of parsing it.
/// Servers that differ in anything (a model file, a node version) answer differently and get their own catalog.</remarks>
internal static class SharedCatalogs
{
    private static readonly ConcurrentDictionary<string, Entry> ByContent = new(StringComparer.Ordinal);

    /// <summary>The catalog for this answer of <c>/object_info</c>: the one already parsed from the same bytes while it
    /// is alive, else a new one.</summary>
    /// <param name="objectInfoJson">The answer's body (UTF-8 JSON).</param>
    /// <returns>The catalog.</returns>
    /// <exception cref="JsonException">The body is not a JSON object of node schemas.</exception>
    public static NodeSchemaCatalog GetOrParse(byte[] objectInfoJson)
    {
        var key = Convert.ToHexString(SHA256.HashData(objectInfoJson));
        var entry = ByContent.GetOrAdd(key, static _ => new Entry());

        // Servers of a pool start together: the first to get here parses, the others wait for its catalog.
        lock (entry)
        {
            if (entry.Catalog.TryGetTarget(out var shared))
            {
                return shared;
            }

            var nodes = JsonSerializer.Deserialize(objectInfoJson, ComfyRestJsonContext.Default.DictionaryStringNodeInfo)
                ?? throw new JsonException("object_info is null.");
            var catalog = new NodeSchemaCatalog(nodes);
            entry.Catalog.SetTarget(catalog);
            ForgetCollected(key);
            return catalog;
        }
    }

    /// <summary>Drops the entries of catalogs that were collected, so answers that changed over a long run do not pile up.</summary>
    private static void ForgetCollected(string keep)
    {
        foreach (var pair in ByContent)
        {
            if (pair.Key != keep && !pair.Value.Catalog.TryGetTarget(out _))
            {
                // Removed only if still this entry. An entry another thread has just added and not filled yet may go too:
                // that answer is then parsed once more, never wrongly shared.
                ByContent.TryRemove(pair);
            }
        }
    }

    private sealed class Entry
    {
        public WeakReference<NodeSchemaCatalog> Catalog { get; } = new(null!);
    }
}
