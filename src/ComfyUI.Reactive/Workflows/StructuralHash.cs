using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;

namespace ComfyUI.Reactive.Workflows;

/// <summary>
/// Computes <see cref="Workflow.Hash"/>: SHA-256 over a canonical JSON of the graph's structure. Nodes are sorted by id and
/// inputs by name (ordinal), so key order does not matter; <c>_meta</c> and unknown node fields are left out. Each input
/// contributes its name and, for a link, the source id and slot; for a model reference
/// (<see cref="Workflow.IsModelReference"/>), the file name; for any other value, nothing but its presence.
/// </summary>
internal static class StructuralHash
{
    public static string Compute(IReadOnlyList<string> ids, IReadOnlyDictionary<string, JsonElement> nodes)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var id in ids.Order(StringComparer.Ordinal))
            {
                var node = nodes[id];
                writer.WriteStartArray();
                writer.WriteStringValue(id);
                if (Workflow.ClassTypeOf(node) is { } classType)
                {
                    writer.WriteStringValue(classType);
                }
                else
                {
                    writer.WriteNullValue();
                }

                writer.WriteStartArray();
                if (Workflow.InputsOf(node) is { } inputs)
                {
                    WriteInputs(writer, inputs);
                }

                writer.WriteEndArray();
                writer.WriteEndArray();
            }

            writer.WriteEndArray();
        }

        return Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan));
    }

    /// <summary>The inputs in ordinal name order (ties in document order). Sorted as an index array rather than with
    /// LINQ over <see cref="JsonProperty"/>: generic code over a struct is compiled at run time for each such type, and
    /// that was about 40 compilations on a process's first job.</summary>
    private static void WriteInputs(Utf8JsonWriter writer, JsonElement inputs)
    {
        var count = inputs.GetPropertyCount();
        var names = new string[count];
        var values = new JsonElement[count];
        var order = new int[count];
        var n = 0;
        foreach (var input in inputs.EnumerateObject())
        {
            names[n] = input.Name;
            values[n] = input.Value;
            order[n] = n;
            n++;
        }

        Array.Sort(order, (a, b) => string.CompareOrdinal(names[a], names[b]) is var byName and not 0 ? byName : a.CompareTo(b));
        foreach (var i in order)
        {
            WriteInput(writer, names[i], values[i]);
        }
    }

    private static void WriteInput(Utf8JsonWriter writer, string name, JsonElement value)
    {
        writer.WriteStartArray();
        writer.WriteStringValue(name);
        if (value.ValueKind == JsonValueKind.Array)
        {
            // A link (or a malformed one): its whole value is structure.
            writer.WriteStringValue("link");
            value.WriteTo(writer);
        }
        else if (value.ValueKind == JsonValueKind.String && Workflow.IsModelReference(name, value.GetString()!))
        {
            writer.WriteStringValue("model");
            writer.WriteStringValue(value.GetString());
        }
        else
        {
            writer.WriteStringValue("value");
        }

        writer.WriteEndArray();
    }
}
