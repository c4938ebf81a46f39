using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Emulator.Nodes;

namespace ComfyUI.Reactive.Emulator.Validation;

/// <summary>The value checks of the emulator's validator: converting a constant as the server's <c>validate_inputs</c>
/// does, type matching, bounds and their messages.</summary>
internal sealed partial class PromptValidator
{
    private static JsonObject Bound(string type, string message, string x, InputSpec spec, JsonNode? val) => new()
    {
        ["type"] = type,
        ["message"] = message,
        ["details"] = x,
        ["extra_info"] = new JsonObject { ["input_name"] = x, ["input_config"] = spec.Config.DeepClone(), ["received_value"] = val?.DeepClone() },
    };

    private static bool TypesMatch(string received, InputSpec spec)
    {
        if (spec.TypeName is null)
        {
            return false;
        }

        if (received == spec.TypeName)
        {
            return true;
        }

        var r = received.Split(',', StringSplitOptions.TrimEntries);
        var i = spec.TypeName.Split(',', StringSplitOptions.TrimEntries);
        return r.Contains("*") || i.Contains("*") || r.Intersect(i).Any();
    }

    private static string Show(object? v) => v switch
    {
        double d => PythonText.Float(d),
        BigInteger b => b.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "None",
    };

    private static int Compare(object? value, JsonElement bound)
    {
        var b = BigInteger.TryParse(bound.GetRawText(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var bi) ? (BigInteger?)bi : null;
        return value switch
        {
            long l when b is { } bb => ((BigInteger)l).CompareTo(bb),
            BigInteger l when b is { } bb => l.CompareTo(bb),
            long l => ((double)l).CompareTo(bound.GetDouble()),
            BigInteger l => ((double)l).CompareTo(bound.GetDouble()),
            double d => d.CompareTo(bound.GetDouble()),
            _ => 0,
        };
    }

    /// <summary>Python's <c>int()</c>, <c>float()</c>, <c>str()</c>, <c>bool()</c> on a JSON value; combos and sockets pass through.</summary>
    public static bool TryConvert(InputSpec spec, JsonNode? val, out object? converted, out JsonNode? replacement, out string failure)
    {
        replacement = null;
        failure = string.Empty;
        converted = null;
        var kind = val?.GetValueKind() ?? JsonValueKind.Null;
        switch (spec.TypeName)
        {
            case "INT":
                if (kind == JsonValueKind.Number)
                {
                    var raw = val!.ToJsonString();
                    if (BigInteger.TryParse(raw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var bi))
                    {
                        converted = Narrow(bi);
                        return true;
                    }

                    var truncated = new BigInteger(Math.Truncate(val.GetValue<double>()));
                    converted = Narrow(truncated);
                    replacement = JsonValue.Create(truncated.ToString(CultureInfo.InvariantCulture) is var t && long.TryParse(t, CultureInfo.InvariantCulture, out var tl) ? tl : (double)truncated);
                    return true;
                }

                if (kind is JsonValueKind.True or JsonValueKind.False)
                {
                    converted = kind == JsonValueKind.True ? 1L : 0L;
                    replacement = JsonValue.Create((long)converted);
                    return true;
                }

                if (kind == JsonValueKind.String)
                {
                    var s = val!.GetValue<string>().Trim().Replace("_", string.Empty, StringComparison.Ordinal);
                    if (s.Length > 0 && BigInteger.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
                    {
                        converted = Narrow(parsed);
                        replacement = converted is long pl ? JsonValue.Create(pl) : JsonValue.Create((double)parsed);
                        return true;
                    }

                    failure = $"invalid literal for int() with base 10: {PythonText.Quote(val.GetValue<string>())}";
                    return false;
                }

                failure = $"int() argument must be a string, a bytes-like object or a real number, not '{PythonText.TypeName(val)}'";
                return false;

            case "FLOAT":
                if (kind == JsonValueKind.Number)
                {
                    converted = val!.GetValue<double>();
                    return true;
                }

                if (kind is JsonValueKind.True or JsonValueKind.False)
                {
                    converted = kind == JsonValueKind.True ? 1.0 : 0.0;
                    replacement = JsonValue.Create((double)converted);
                    return true;
                }

                if (kind == JsonValueKind.String)
                {
                    var s = val!.GetValue<string>().Trim();
                    if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                    {
                        converted = d;
                        replacement = JsonValue.Create(d);
                        return true;
                    }

                    failure = $"could not convert string to float: {PythonText.Quote(val.GetValue<string>())}";
                    return false;
                }

                failure = $"float() argument must be a string or a real number, not '{PythonText.TypeName(val)}'";
                return false;

            case "STRING":
                converted = kind == JsonValueKind.String ? val!.GetValue<string>() : PythonText.Str(val);
                if (kind != JsonValueKind.String)
                {
                    replacement = JsonValue.Create((string)converted);
                }

                return true;

            case "BOOLEAN":
                converted = kind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.String => val!.GetValue<string>().Length > 0,
                    JsonValueKind.Number => val!.GetValue<double>() != 0,
                    JsonValueKind.Object or JsonValueKind.Array => true,
                    _ => false,
                };
                if (kind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    replacement = JsonValue.Create((bool)converted);
                }

                return true;

            default:
                converted = kind switch
                {
                    JsonValueKind.String => val!.GetValue<string>(),
                    JsonValueKind.Number => val!.GetValue<double>(),
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    JsonValueKind.Null => null,
                    _ => val!.ToJsonString(),
                };
                return true;
        }
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1859", Justification = "Returns a boxed long or a BigInteger on purpose: callers switch on the runtime type.")]
    private static object Narrow(BigInteger b)
    {
        if (b >= long.MinValue && b <= long.MaxValue)
        {
            return (long)b;
        }

        return b;
    }
}
