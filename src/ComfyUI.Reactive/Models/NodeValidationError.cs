using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Models;

/// <summary>
/// The validation errors of one node (<c>node_errors[id]</c>): only nodes with errors of their own are listed,
/// not nodes that are invalid because something upstream failed.
/// </summary>
public sealed class NodeValidationError
{
    /// <summary>The node id (the key of <c>node_errors</c>).</summary>
    public string NodeId { get; init; } = string.Empty;

    /// <summary>The node's class, e.g. <c>ImageScale</c>. Empty when the server did not say.</summary>
    public string ClassType { get; init; } = string.Empty;

    /// <summary>The output node ids that cannot run because of this node.</summary>
    public IReadOnlyList<string> DependentOutputs { get; init; } = [];

    /// <summary>The node's errors, in the server's order.</summary>
    public IReadOnlyList<PromptError> Errors { get; init; } = [];

    /// <summary>Returns <c>node id (class): first error</c>.</summary>
    public override string ToString() =>
        Errors.Count == 0 ? $"node {NodeId} ({ClassType})" : $"node {NodeId} ({ClassType}): {Errors[0]}";
}

/// <summary>
/// Reads <c>node_errors</c> as the current object (node id → entry) or as the array old servers sent
/// (<c>"node_errors": []</c>); array items get their index as id unless they carry a <c>node_id</c>.
/// </summary>
internal sealed class NodeErrorsJsonConverter : JsonConverter<IReadOnlyDictionary<string, NodeValidationError>>
{
    internal static readonly IReadOnlyDictionary<string, NodeValidationError> Empty = new Dictionary<string, NodeValidationError>();

    public override IReadOnlyDictionary<string, NodeValidationError> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return FromJson(document.RootElement);
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyDictionary<string, NodeValidationError> value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartObject();
        foreach (var (id, node) in value)
        {
            writer.WriteStartObject(id);
            writer.WriteStartArray("errors");
            foreach (var error in node.Errors)
            {
                PromptErrorJsonConverter.WriteError(writer, error);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("dependent_outputs");
            foreach (var output in node.DependentOutputs)
            {
                writer.WriteStringValue(output);
            }

            writer.WriteEndArray();
            writer.WriteString("class_type", node.ClassType);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    internal static IReadOnlyDictionary<string, NodeValidationError> FromJson(JsonElement element)
    {
        var result = new Dictionary<string, NodeValidationError>(StringComparer.Ordinal);
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var node in element.EnumerateObject())
            {
                result[node.Name] = ReadNode(node.Name, node.Value);
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var node in element.EnumerateArray())
            {
                var id = node.ValueKind == JsonValueKind.Object && node.TryGetProperty("node_id", out var nid) && nid.ValueKind == JsonValueKind.String
                    ? nid.GetString()!
                    : index.ToString(System.Globalization.CultureInfo.InvariantCulture);
                result[id] = ReadNode(id, node);
                index++;
            }
        }

        return result;
    }

    private static NodeValidationError ReadNode(string id, JsonElement node)
    {
        if (node.ValueKind != JsonValueKind.Object)
        {
            return new NodeValidationError { NodeId = id };
        }

        var errors = new List<PromptError>();
        if (node.TryGetProperty("errors", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            errors.AddRange(list.EnumerateArray().Select(PromptErrorJsonConverter.FromJson));
        }

        var dependents = new List<string>();
        if (node.TryGetProperty("dependent_outputs", out var outs) && outs.ValueKind == JsonValueKind.Array)
        {
            dependents.AddRange(outs.EnumerateArray().Select(o => o.ValueKind == JsonValueKind.String ? o.GetString()! : o.GetRawText()));
        }

        return new NodeValidationError
        {
            NodeId = id,
            ClassType = node.TryGetProperty("class_type", out var cls) && cls.ValueKind == JsonValueKind.String ? cls.GetString()! : string.Empty,
            DependentOutputs = dependents,
            Errors = errors,
        };
    }
}
