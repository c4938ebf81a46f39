using System.Text.Json;
using System.Text.Json.Nodes;

namespace ComfyUI.Reactive.Workflows.EditorFormat;

/// <summary>
/// A legacy group node holds the widget values of all its inner nodes, one after another in inner-node order (the
/// frontend's GroupNodeConfig); this hands each inner node its share.
/// </summary>
internal static class GroupWidgets
{
    public static void Distribute(EditorNode owner, GraphScope inner, NodeSchemaCatalog catalog, string ownerId)
    {
        if (owner.WidgetsValues is not { ValueKind: JsonValueKind.Array } values)
        {
            return;
        }

        var layouts = inner.Nodes.Select(n => catalog.TryGetNode(n.Type, out var schema) ? WidgetLayout.For(schema).Count : 0).ToList();
        var total = layouts.Sum();
        if (total != values.GetArrayLength())
        {
            throw new ComfyWorkflowConversionException(
                $"Group node {ownerId} ({owner.Type}) has {values.GetArrayLength()} widget values but its inner nodes have {total} widgets.",
                WorkflowConversionProblem.WidgetCountMismatch, ownerId);
        }

        var offset = 0;
        for (var i = 0; i < inner.Nodes.Count; i++)
        {
            if (layouts[i] == 0)
            {
                continue;
            }

            var slice = new JsonArray([.. Enumerable.Range(offset, layouts[i]).Select(k => JsonNode.Parse(values[k].GetRawText()))]);
            using var document = JsonDocument.Parse(slice.ToJsonString());
            inner.Nodes[i].WidgetsValues = document.RootElement.Clone();
            offset += layouts[i];
        }
    }
}
