using System;
using System.Globalization;
using ComfyUI.Reactive.Generators.Json;
using ComfyUI.Reactive.Generators.Schema;
using Microsoft.CodeAnalysis.CSharp;

namespace ComfyUI.Reactive.Generators.Emit;

/// <summary>C# literals for input defaults; null when the schema's default cannot be one of the parameter's type.</summary>
internal static class Literals
{
    public static string String(string value) => SymbolDisplay.FormatLiteral(value, quote: true);

    /// <summary>The default of a widget input as a C# literal of its parameter type, or null.</summary>
    public static string? Default(InputSchema input)
    {
        var value = input.Default;
        if (value is null)
        {
            return null;
        }

        switch (input.Kind)
        {
            case InputKind.Int:
                // object_info has INT defaults written as floats (1.0) and beyond long (2^64-1): integral values in range only.
                if (value.TryGetDouble(out var number) && Math.Floor(number) == number &&
                    number >= long.MinValue && number <= long.MaxValue &&
                    long.TryParse(Integral(value.Text!), NumberStyles.Integer, CultureInfo.InvariantCulture, out var integer))
                {
                    return integer.ToString(CultureInfo.InvariantCulture) + "L";
                }

                return null;
            case InputKind.Float:
                return value.TryGetDouble(out var real) && !double.IsNaN(real) && !double.IsInfinity(real) ? Double(real) : null;
            case InputKind.Boolean:
                return value.Kind switch
                {
                    JsonKind.True => "true",
                    JsonKind.False => "false",
                    _ => null,
                };
            case InputKind.String:
            case InputKind.Combo:
                return value.Kind is JsonKind.String ? String(value.Text!) : null;
            default:
                return null;
        }
    }

    public static string Double(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.IndexOf('.') >= 0 || text.IndexOf('E') >= 0 ? text + "d" : text + ".0d";
    }

    /// <summary>"1.0" → "1", "20" → "20", "1e3" → "1000" (as long as it is integral).</summary>
    private static string Integral(string text)
    {
        if (text.IndexOf('.') < 0 && text.IndexOf('e') < 0 && text.IndexOf('E') < 0)
        {
            return text;
        }

        var value = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        return ((long)value).ToString(CultureInfo.InvariantCulture);
    }
}
