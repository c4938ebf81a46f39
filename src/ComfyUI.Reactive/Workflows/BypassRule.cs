using System.Text.Json;
using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Workflows;

/// <summary>Chooses where a consumer of a bypassed node is rewired to (the rule is documented on <see cref="Workflow.Bypass"/>).</summary>
internal static class BypassRule
{
    public static NodeLink? FindReplacement(JsonElement bypassed, int outputIndex, string? consumerClass, string consumerInput, NodeSchemaCatalog? schema)
    {
        if (Workflow.InputsOf(bypassed) is not { } inputs)
        {
            return null;
        }

        var bypassedClass = Workflow.ClassTypeOf(bypassed);
        if (schema is not null && bypassedClass is not null && schema.TryGetNode(bypassedClass, out var info))
        {
            return ByType(inputs, info, outputIndex, WantedType(schema, info, outputIndex, consumerClass, consumerInput));
        }

        var linked = inputs.EnumerateObject()
            .Select(p => (Ok: TryLink(p.Value, out var link), Link: link))
            .Where(x => x.Ok)
            .Select(x => x.Link)
            .ToList();
        return outputIndex >= 0 && outputIndex < linked.Count ? linked[outputIndex]
            : linked.Count == 1 ? linked[0]
            : null;
    }

    private static NodeLink? ByType(JsonElement inputs, NodeInfo info, int outputIndex, string? wanted)
    {
        if (wanted is null)
        {
            return null;
        }

        // Positions count link slots only (the frontend's node.inputs), not widgets.
        var declared = NodeSchemaCatalog.DeclaredInputs(info).Where(d => !IsWidget(d.Spec)).ToList();

        // The frontend tries the input at the output's position first, then every input in order.
        var order = new List<int>();
        if (outputIndex >= 0 && outputIndex < declared.Count)
        {
            order.Add(outputIndex);
        }

        order.AddRange(Enumerable.Range(0, declared.Count).Where(i => i != outputIndex));
        foreach (var i in order)
        {
            var (name, spec, _) = declared[i];
            if (inputs.TryGetProperty(name, out var value) && TryLink(value, out var link) &&
                !LinkTypes.IsLegacyCombo(spec) && LinkTypes.Overlap(spec.TypeName, wanted))
            {
                return link;
            }
        }

        return null;
    }

    private static bool IsWidget(InputSpec spec) =>
        spec.IsCombo || spec.TypeName is "INT" or "FLOAT" or "STRING" or "BOOLEAN";

    private static string? WantedType(NodeSchemaCatalog schema, NodeInfo bypassed, int outputIndex, string? consumerClass, string consumerInput)
    {
        if (consumerClass is not null && schema.TryGetNode(consumerClass, out var consumer) && consumer.Input.Find(consumerInput) is { } spec &&
            !LinkTypes.IsLegacyCombo(spec))
        {
            return spec.TypeName;
        }

        return outputIndex >= 0 && outputIndex < bypassed.Output.Count ? bypassed.Output[outputIndex] : null;
    }

    private static bool TryLink(JsonElement value, out NodeLink link)
    {
        link = default;
        if (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 2 &&
            value[0].ValueKind == JsonValueKind.String && value[1].ValueKind == JsonValueKind.Number && value[1].TryGetInt32(out var slot))
        {
            link = new NodeLink(value[0].GetString()!, slot);
            return true;
        }

        return false;
    }
}
