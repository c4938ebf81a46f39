using System.Globalization;
using System.Text.Json.Nodes;

namespace ComfyUI.Reactive.Workflows;

/// <summary>
/// A link to another node's output, written in API-format JSON as <c>["nodeId", outputIndex]</c> (the id is always a string).
/// </summary>
/// <param name="NodeId">The source node's id.</param>
/// <param name="OutputIndex">The source node's output slot, from 0.</param>
public readonly record struct NodeLink(string NodeId, int OutputIndex)
{
    /// <summary>The link as API-format JSON: <c>["nodeId", outputIndex]</c>.</summary>
    public JsonArray ToJson() => [NodeId, OutputIndex];

    /// <summary>Returns <c>["nodeId", index]</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"[\"{NodeId}\", {OutputIndex}]");

    /// <summary>Reads a link value: a 2-element array of a string id and an integer index.</summary>
    internal static bool TryRead(JsonNode? value, out NodeLink link)
    {
        link = default;
        if (value is JsonArray { Count: 2 } array &&
            array[0] is JsonValue id && id.TryGetValue<string>(out var nodeId) &&
            array[1] is JsonValue index && index.TryGetValue<int>(out var slot))
        {
            link = new NodeLink(nodeId, slot);
            return true;
        }

        return false;
    }
}
