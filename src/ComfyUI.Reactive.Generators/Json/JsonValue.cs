using System.Collections.Generic;
using System.Globalization;

namespace ComfyUI.Reactive.Generators.Json;

/// <summary>The kinds of JSON value.</summary>
internal enum JsonKind
{
    Null,
    False,
    True,
    Number,
    String,
    Array,
    Object,
}

/// <summary>
/// A parsed JSON value, read-only. Numbers keep their text: object_info has integers beyond <see cref="long"/>
/// (a seed's max is 2^64-1) and the generator decides per input how to write them as C# literals.
/// </summary>
internal sealed class JsonValue
{
    private static readonly IReadOnlyList<JsonValue> NoItems = System.Array.Empty<JsonValue>();
    private static readonly IReadOnlyList<KeyValuePair<string, JsonValue>> NoProperties = System.Array.Empty<KeyValuePair<string, JsonValue>>();

    private JsonValue(JsonKind kind, string? text, IReadOnlyList<JsonValue>? items, IReadOnlyList<KeyValuePair<string, JsonValue>>? properties)
    {
        Kind = kind;
        Text = text;
        Items = items ?? NoItems;
        Properties = properties ?? NoProperties;
    }

    public static JsonValue Null { get; } = new(JsonKind.Null, null, null, null);

    public static JsonValue True { get; } = new(JsonKind.True, null, null, null);

    public static JsonValue False { get; } = new(JsonKind.False, null, null, null);

    public JsonKind Kind { get; }

    /// <summary>A string's value or a number's text; null for other kinds.</summary>
    public string? Text { get; }

    /// <summary>An array's items; empty for other kinds.</summary>
    public IReadOnlyList<JsonValue> Items { get; }

    /// <summary>An object's properties in document order; empty for other kinds.</summary>
    public IReadOnlyList<KeyValuePair<string, JsonValue>> Properties { get; }

    public bool IsString => Kind == JsonKind.String;

    public static JsonValue String(string value) => new(JsonKind.String, value, null, null);

    public static JsonValue Number(string text) => new(JsonKind.Number, text, null, null);

    public static JsonValue Array(IReadOnlyList<JsonValue> items) => new(JsonKind.Array, null, items, null);

    public static JsonValue Object(IReadOnlyList<KeyValuePair<string, JsonValue>> properties) => new(JsonKind.Object, null, null, properties);

    /// <summary>The last property of that name (Python's json keeps the last duplicate, so the server does).</summary>
    public JsonValue? Get(string name)
    {
        for (var i = Properties.Count - 1; i >= 0; i--)
        {
            if (Properties[i].Key == name)
            {
                return Properties[i].Value;
            }
        }

        return null;
    }

    public string? GetString(string name) => Get(name) is { Kind: JsonKind.String } value ? value.Text : null;

    public bool GetBool(string name) => Get(name)?.Kind == JsonKind.True;

    /// <summary>The number as a double, when it is one.</summary>
    public bool TryGetDouble(out double value)
    {
        value = 0;
        return Kind == JsonKind.Number && double.TryParse(Text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }
}
