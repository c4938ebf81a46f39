using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ComfyUI.Reactive.Workflows;

/// <summary>
/// A number as the server's Python sees it after <c>json.loads</c>: an arbitrary-size <c>int</c> (a JSON number without
/// <c>.</c>/<c>e</c>, or a bool) or a <c>float</c>. Formats like Python's <c>str()</c> so messages match the server's.
/// </summary>
internal readonly record struct PythonNumber(BigInteger Integer, double Float, bool IsInt)
{
    public static PythonNumber Int(BigInteger value) => new(value, 0, true);

    public static PythonNumber Real(double value) => new(BigInteger.Zero, value, false);

    public static PythonNumber? FromJson(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.True:
                return Int(BigInteger.One);
            case JsonValueKind.False:
                return Int(BigInteger.Zero);
            case JsonValueKind.Number:
                var text = value.GetRawText();
                return text.AsSpan().IndexOfAny(".eE") < 0
                    ? Int(BigInteger.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture))
                    : Real(value.GetDouble());
            default:
                return null;
        }
    }

    public double AsDouble => IsInt ? (double)Integer : Float;

    public int CompareTo(PythonNumber other) =>
        IsInt && other.IsInt ? Integer.CompareTo(other.Integer) : AsDouble.CompareTo(other.AsDouble);

    public override string ToString() => IsInt ? Integer.ToString(CultureInfo.InvariantCulture) : PythonValue.FloatRepr(Float);

    public void WriteTo(Utf8JsonWriter writer)
    {
        if (!IsInt && !double.IsFinite(Float))
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteRawValue(ToString());
    }
}

/// <summary>
/// Python semantics the server's validation relies on (PROTOCOL.md §5.1): <c>int()</c>/<c>float()</c> coercion with its
/// error texts, <c>==</c> between JSON values, and <c>str()</c>/<c>repr()</c> for messages.
/// </summary>
internal static partial class PythonValue
{
    public static bool TryInt(JsonElement value, out BigInteger result, out string error)
    {
        result = default;
        error = string.Empty;
        switch (value.ValueKind)
        {
            case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                var number = PythonNumber.FromJson(value)!.Value;
                if (number.IsInt)
                {
                    result = number.Integer;
                    return true;
                }

                if (double.IsNaN(number.Float))
                {
                    error = "cannot convert float NaN to integer";
                    return false;
                }

                if (double.IsInfinity(number.Float))
                {
                    error = "cannot convert float infinity to integer";
                    return false;
                }

                result = new BigInteger(Math.Truncate(number.Float));
                return true;
            case JsonValueKind.String:
                var text = value.GetString()!;
                var trimmed = text.Trim();
                if (IntLiteral().IsMatch(trimmed))
                {
                    result = BigInteger.Parse(trimmed.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                    return true;
                }

                error = $"invalid literal for int() with base 10: {Repr(text)}";
                return false;
            default:
                error = $"int() argument must be a string, a bytes-like object or a real number, not '{TypeName(value)}'";
                return false;
        }
    }

    public static bool TryFloat(JsonElement value, out double result, out string error)
    {
        result = default;
        error = string.Empty;
        switch (value.ValueKind)
        {
            case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                result = PythonNumber.FromJson(value)!.Value.AsDouble;
                return true;
            case JsonValueKind.String:
                var text = value.GetString()!;
                var trimmed = text.Trim();
                var lower = trimmed.ToUpperInvariant().TrimStart('+', '-');
                var negative = trimmed.StartsWith('-');
                if (lower is "INF" or "INFINITY")
                {
                    result = negative ? double.NegativeInfinity : double.PositiveInfinity;
                    return true;
                }

                if (lower == "NAN")
                {
                    result = double.NaN;
                    return true;
                }

                if (FloatLiteral().IsMatch(trimmed) &&
                    double.TryParse(trimmed.Replace("_", string.Empty, StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out result))
                {
                    return true;
                }

                error = $"could not convert string to float: {Repr(text)}";
                return false;
            default:
                error = $"float() argument must be a string or a real number, not '{TypeName(value)}'";
                return false;
        }
    }

    /// <summary>Python <c>a == b</c> for values read from JSON (<c>1 == 1.0 == True</c>; strings by code points).</summary>
    public static bool Equal(JsonElement a, JsonElement b)
    {
        if (PythonNumber.FromJson(a) is { } x && PythonNumber.FromJson(b) is { } y)
        {
            return x.CompareTo(y) == 0;
        }

        if (a.ValueKind != b.ValueKind)
        {
            return false;
        }

        return a.ValueKind switch
        {
            JsonValueKind.String => string.Equals(a.GetString(), b.GetString(), StringComparison.Ordinal),
            JsonValueKind.Null => true,
            JsonValueKind.Array => a.GetArrayLength() == b.GetArrayLength() && a.EnumerateArray().Zip(b.EnumerateArray()).All(p => Equal(p.First, p.Second)),
            JsonValueKind.Object => JsonElement.DeepEquals(a, b),
            _ => false,
        };
    }

    /// <summary>Python <c>str(value)</c>.</summary>
    public static string Str(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : Repr(value);

    /// <summary>Python <c>repr(value)</c>.</summary>
    public static string Repr(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => Repr(value.GetString()!),
        JsonValueKind.Number => PythonNumber.FromJson(value)!.Value.ToString(),
        JsonValueKind.True => "True",
        JsonValueKind.False => "False",
        JsonValueKind.Null => "None",
        JsonValueKind.Array => "[" + string.Join(", ", value.EnumerateArray().Select(Repr)) + "]",
        JsonValueKind.Object => "{" + string.Join(", ", value.EnumerateObject().Select(p => Repr(p.Name) + ": " + Repr(p.Value))) + "}",
        _ => string.Empty,
    };

    /// <summary>Python <c>repr(str)</c>: single quotes unless the text has a single quote and no double quote.</summary>
    public static string Repr(string text)
    {
        var quote = text.Contains('\'', StringComparison.Ordinal) && !text.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        var builder = new StringBuilder(text.Length + 2).Append(quote);
        foreach (var c in text)
        {
            _ = c switch
            {
                '\\' => builder.Append(@"\\"),
                '\n' => builder.Append(@"\n"),
                '\r' => builder.Append(@"\r"),
                '\t' => builder.Append(@"\t"),
                _ when c == quote => builder.Append('\\').Append(c),
                _ when c < ' ' || c == '\x7f' => builder.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}"),
                _ => builder.Append(c),
            };
        }

        return builder.Append(quote).ToString();
    }

    /// <summary>Python <c>repr(float)</c>: shortest round-trip digits, <c>.0</c> on integers, exponent below 1e-4 and from 1e16.</summary>
    public static string FloatRepr(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        if (value == 0)
        {
            return double.IsNegative(value) ? "-0.0" : "0.0";
        }

        // "E16" would not be shortest; "R" gives the shortest round-trip digits, which we re-lay out Python's way.
        var r = value.ToString("R", CultureInfo.InvariantCulture);
        var negative = r.StartsWith('-');
        r = r.TrimStart('-');
        var exponentAt = r.IndexOf('E', StringComparison.Ordinal);
        var mantissa = exponentAt < 0 ? r : r[..exponentAt];
        var exponent = exponentAt < 0 ? 0 : int.Parse(r[(exponentAt + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var allDigits = dot < 0 ? mantissa : mantissa.Remove(dot, 1);
        var pointPosition = (dot < 0 ? mantissa.Length : dot) + exponent;
        var significant = allDigits.TrimStart('0');
        pointPosition -= allDigits.Length - significant.Length;
        var digits = significant.TrimEnd('0');
        if (digits.Length == 0)
        {
            digits = "0";
        }

        var decimalExponent = pointPosition - 1;
        string text;
        if (decimalExponent < -4 || decimalExponent >= 16)
        {
            var head = digits[..1];
            var tail = digits[1..];
            text = head + (tail.Length > 0 ? "." + tail : string.Empty) + "e" + (decimalExponent < 0 ? "-" : "+") +
                   Math.Abs(decimalExponent).ToString("00", CultureInfo.InvariantCulture);
        }
        else if (pointPosition <= 0)
        {
            text = "0." + new string('0', -pointPosition) + digits;
        }
        else if (pointPosition >= digits.Length)
        {
            text = digits + new string('0', pointPosition - digits.Length) + ".0";
        }
        else
        {
            text = digits[..pointPosition] + "." + digits[pointPosition..];
        }

        return negative ? "-" + text : text;
    }

    private static string TypeName(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => "NoneType",
        JsonValueKind.Object => "dict",
        JsonValueKind.Array => "list",
        JsonValueKind.String => "str",
        _ => "float",
    };

    [GeneratedRegex(@"^[+-]?[0-9]+(_[0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex IntLiteral();

    [GeneratedRegex(@"^[+-]?([0-9]+(_[0-9]+)*(\.([0-9]+(_[0-9]+)*)?)?|\.[0-9]+(_[0-9]+)*)([eE][+-]?[0-9]+(_[0-9]+)*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex FloatLiteral();
}
