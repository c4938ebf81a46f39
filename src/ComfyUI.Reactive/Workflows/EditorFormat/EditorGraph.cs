using System.Globalization;
using System.Text.Json;

namespace ComfyUI.Reactive.Workflows.EditorFormat;

/// <summary>An input slot of an editor node: its name, type, the link feeding it, and the widget it stands for.</summary>
internal sealed record EditorInput(string Name, string Type, int? Link, string? WidgetName);

/// <summary>A link of the editor format (array <c>[id, origin, slot, target, slot, type]</c> or object form).</summary>
internal sealed record EditorLink(int Id, string OriginId, int OriginSlot, string TargetId, int TargetSlot, string Type);

/// <summary>One node of the editor format as the frontend saved it.</summary>
internal sealed class EditorNode
{
    public required string Id { get; init; }

    public required string Type { get; init; }

    /// <summary>0 always, 2 never (muted), 4 bypass.</summary>
    public int Mode { get; init; }

    public string? Title { get; init; }

    public required IReadOnlyList<EditorInput> Inputs { get; init; }

    public required IReadOnlyList<string> OutputTypes { get; init; }

    /// <summary>Output slot → link ids, for PrimitiveNode targets.</summary>
    public required IReadOnlyList<IReadOnlyList<int>> OutputLinks { get; init; }

    /// <summary>The saved widget values: an array (positional) or, for some custom nodes, an object by widget name.</summary>
    public JsonElement? WidgetsValues { get; set; }

    public static EditorNode Read(JsonElement node, string? fallbackId = null)
    {
        var id = node.TryGetProperty("id", out var idElement) ? IdText(idElement) : fallbackId
            ?? throw new ComfyWorkflowConversionException("A node of the editor workflow has no \"id\".", WorkflowConversionProblem.InvalidFormat, null);
        var type = node.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : string.Empty;
        var inputs = new List<EditorInput>();
        if (node.TryGetProperty("inputs", out var ins) && ins.ValueKind == JsonValueKind.Array)
        {
            foreach (var input in ins.EnumerateArray())
            {
                inputs.Add(new EditorInput(
                    Text(input, "name") ?? string.Empty,
                    Text(input, "type") ?? "*",
                    input.TryGetProperty("link", out var l) && l.ValueKind == JsonValueKind.Number ? l.GetInt32() : null,
                    input.TryGetProperty("widget", out var w) && w.ValueKind == JsonValueKind.Object ? Text(w, "name") : null));
            }
        }

        var outputTypes = new List<string>();
        var outputLinks = new List<IReadOnlyList<int>>();
        if (node.TryGetProperty("outputs", out var outs) && outs.ValueKind == JsonValueKind.Array)
        {
            foreach (var output in outs.EnumerateArray())
            {
                outputTypes.Add(Text(output, "type") ?? "*");
                outputLinks.Add(output.TryGetProperty("links", out var ls) && ls.ValueKind == JsonValueKind.Array
                    ? [.. ls.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Number).Select(x => x.GetInt32())]
                    : []);
            }
        }

        return new EditorNode
        {
            Id = id,
            Type = type,
            Mode = node.TryGetProperty("mode", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt32() : 0,
            Title = Text(node, "title"),
            Inputs = inputs,
            OutputTypes = outputTypes,
            OutputLinks = outputLinks,
            WidgetsValues = node.TryGetProperty("widgets_values", out var wv) && wv.ValueKind is JsonValueKind.Array or JsonValueKind.Object
                ? wv.Clone()
                : null,
        };
    }

    public static EditorLink ReadLink(JsonElement link)
    {
        if (link.ValueKind == JsonValueKind.Array && link.GetArrayLength() >= 5)
        {
            return new EditorLink(
                link[0].GetInt32(), IdText(link[1]), link[2].GetInt32(), IdText(link[3]), link[4].GetInt32(),
                link.GetArrayLength() > 5 && link[5].ValueKind == JsonValueKind.String ? link[5].GetString()! : "*");
        }

        if (link.ValueKind == JsonValueKind.Object)
        {
            return new EditorLink(
                link.GetProperty("id").GetInt32(), IdText(link.GetProperty("origin_id")), link.GetProperty("origin_slot").GetInt32(),
                IdText(link.GetProperty("target_id")), link.GetProperty("target_slot").GetInt32(), Text(link, "type") ?? "*");
        }

        throw new ComfyWorkflowConversionException(
            $"A link of the editor workflow is neither [id, origin, slot, target, slot, type] nor an object: {link.GetRawText()}.",
            WorkflowConversionProblem.InvalidFormat, null);
    }

    /// <summary>Node ids are numbers in files, strings in the API format; JS prints 5 and 5.0 alike.</summary>
    public static string IdText(JsonElement id) => id.ValueKind switch
    {
        JsonValueKind.String => id.GetString()!,
        JsonValueKind.Number when id.TryGetInt64(out var n) => n.ToString(CultureInfo.InvariantCulture),
        JsonValueKind.Number => id.GetDouble().ToString(CultureInfo.InvariantCulture),
        _ => id.GetRawText(),
    };

    private static string? Text(JsonElement element, string key) =>
        element.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
