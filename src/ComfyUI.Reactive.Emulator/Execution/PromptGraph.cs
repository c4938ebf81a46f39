using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Emulator.Files;
using ComfyUI.Reactive.Emulator.Nodes;
using ComfyUI.Reactive.Emulator.Validation;

namespace ComfyUI.Reactive.Emulator.Execution;

/// <summary>A node of a queued prompt, with its constants converted and its links resolved to ids.</summary>
internal sealed class GraphNode
{
    public required string Id { get; init; }
    public required NodeSchema Schema { get; init; }
    public required List<(string Name, string From, int Slot)> Links { get; init; }
    public required Dictionary<string, object?> Constants { get; init; }
    public required List<(string Name, string Raw)> ConstantKey { get; init; }
    public string? Signature { get; set; }
}

/// <summary>The executable view of a validated prompt, in the prompt's own key order.</summary>
internal sealed class PromptGraph
{
    private static long nonce;

    public PromptGraph(JsonObject prompt, NodeCatalog catalog)
    {
        foreach (var (id, value) in prompt)
        {
            var node = value!.AsObject();
            catalog.TryGet(node["class_type"]!.GetValue<string>(), out var schema);
            var links = new List<(string, string, int)>();
            var constants = new Dictionary<string, object?>(StringComparer.Ordinal);
            var key = new List<(string, string)>();
            if (node["inputs"] is JsonObject inputs)
            {
                foreach (var (name, input) in inputs)
                {
                    if (input is JsonArray link && link.Count == 2 && link[0] is JsonValue from && from.GetValueKind() == JsonValueKind.String &&
                        link[1] is JsonValue slot && slot.GetValueKind() == JsonValueKind.Number)
                    {
                        links.Add((name, from.GetValue<string>(), slot.GetValue<int>()));
                    }
                    else if (schema.Find(name) is { } spec && PromptValidator.TryConvert(spec, input, out var converted, out _, out _))
                    {
                        constants[name] = converted;
                        key.Add((name, input?.ToJsonString() ?? "null"));
                    }
                }
            }

            Nodes[id] = new GraphNode { Id = id, Schema = schema, Links = links, Constants = constants, ConstantKey = key };
            Order.Add(id);
        }
    }

    public Dictionary<string, GraphNode> Nodes { get; } = new(StringComparer.Ordinal);

    public List<string> Order { get; } = [];

    /// <summary>Computes every node's cache signature (ComfyUI's <c>CacheKeySetInputSignature</c>, as a string).</summary>
    public void ComputeSignatures(FileStore files)
    {
        foreach (var id in Order)
        {
            Signature(id, files, 0);
        }
    }

    private string Signature(string id, FileStore files, int depth)
    {
        if (!Nodes.TryGetValue(id, out var node))
        {
            return "<missing:" + id + ">";
        }

        if (node.Signature is { } done)
        {
            return done;
        }

        if (depth > 10_000)
        {
            throw new InvalidOperationException("graph too deep");
        }

        var sb = new StringBuilder(node.Schema.ClassType);
        foreach (var (name, raw) in node.ConstantKey.OrderBy(k => k.Name, StringComparer.Ordinal))
        {
            sb.Append('|').Append(name).Append('=').Append(raw);
        }

        foreach (var (name, from, slot) in node.Links.OrderBy(l => l.Name, StringComparer.Ordinal))
        {
            sb.Append('|').Append(name).Append("=(").Append(Signature(from, files, depth + 1)).Append(")#").Append(slot);
        }

        if (node.Schema.Behavior.NeverCached)
        {
            // IS_CHANGED returned something never equal (time.time()): no earlier entry can match.
            sb.Append("|changed=").Append(Interlocked.Increment(ref nonce));
        }
        else if (node.Schema.Behavior.Fingerprint(node.Constants, files) is { } fingerprint)
        {
            sb.Append("|changed=").Append(fingerprint);
        }

        return node.Signature = sb.ToString();
    }
}
