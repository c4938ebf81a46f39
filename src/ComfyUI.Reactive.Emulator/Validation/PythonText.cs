using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ComfyUI.Reactive.Emulator.Validation;

/// <summary>Formats values the way Python's <c>str()</c> does, because the server's error texts are built with f-strings.</summary>
internal static class PythonText
{
    public static string Float(double v) =>
        v == Math.Floor(v) && Math.Abs(v) < 1e16 ? v.ToString("0", CultureInfo.InvariantCulture) + ".0" : v.ToString("R", CultureInfo.InvariantCulture);

    public static string Str(JsonNode? node) => node switch
    {
        null => "None",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.True => "True",
        JsonValue v when v.GetValueKind() == JsonValueKind.False => "False",
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.ToJsonString(),
        JsonArray a => "[" + string.Join(", ", a.Select(Repr)) + "]",
        JsonObject o => "{" + string.Join(", ", o.Select(p => "'" + p.Key + "': " + Repr(p.Value))) + "}",
        _ => node.ToJsonString(),
    };

    public static string Repr(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? Quote(v.GetValue<string>()) : Str(node);

    public static string Quote(string s) => s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? "\"" + s + "\"" : "'" + s.Replace("'", "\\'", StringComparison.Ordinal) + "'";

    public static string List(IReadOnlyList<string> items)
    {
        var sb = new StringBuilder("[");
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }

            sb.Append(Quote(items[i]));
        }

        return sb.Append(']').ToString();
    }

    public static string TypeName(JsonNode? node) => node switch
    {
        null => "NoneType",
        JsonArray => "list",
        JsonObject => "dict",
        _ => node.GetValueKind() switch
        {
            JsonValueKind.String => "str",
            JsonValueKind.True or JsonValueKind.False => "bool",
            _ => "float",
        },
    };
}
