using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Models;

/// <summary>
/// Reads an integer that a server may send as <c>5</c>, <c>5.0</c> or <c>"5"</c>: Python writes a float wherever a value
/// passed through <c>float()</c> (priorities, sizes computed from MB, timestamps on some versions), and a strict
/// <see cref="long"/> read would fail the whole answer for one harmless <c>.0</c>.
/// </summary>
internal sealed class FlexibleInt64JsonConverter : JsonConverter<long>
{
    public override long Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return reader.TryGetInt64(out var whole) ? whole : Truncate(reader.GetDouble());
            case JsonTokenType.String:
                var text = reader.GetString();
                if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out whole))
                {
                    return whole;
                }

                if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var fraction))
                {
                    return Truncate(fraction);
                }

                break;
        }

        throw new JsonException($"Expected an integer, got {reader.TokenType}.");
    }

    public override void Write(Utf8JsonWriter writer, long value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteNumberValue(value);
    }

    private static long Truncate(double value) =>
        double.IsFinite(value) && value >= long.MinValue && value <= long.MaxValue
            ? (long)value
            : throw new JsonException("The number does not fit a 64-bit integer.");
}
