using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using ComfyUI.Reactive.Generators.Json;
using ComfyUI.Reactive.Generators.Schema;

namespace ComfyUI.Reactive.Generators.Emit;

/// <summary>XML doc text from object_info: display names, descriptions, tooltips, ranges and defaults.</summary>
internal static class Docs
{
    /// <summary>Escapes XML and folds whitespace (including newlines of long descriptions) into single spaces.</summary>
    public static string Escape(string text)
    {
        var builder = new StringBuilder(text.Length);
        var space = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c))
            {
                space = builder.Length > 0;
                continue;
            }

            if (space)
            {
                builder.Append(' ');
                space = false;
            }

            builder.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }

    public static string Code(string text) => "<c>" + Escape(text) + "</c>";

    /// <summary>The summary of a node's method and class: display name, class type, category, description, flags.</summary>
    public static string NodeSummary(NodeSchema node)
    {
        var parts = new List<string>();
        var name = node.DisplayName is { Length: > 0 } display && display != node.ClassType
            ? $"{Escape(display)} ({Code(node.ClassType)})"
            : Code(node.ClassType);
        parts.Add(node.Category.Length > 0 ? $"{name}, in {Escape(node.Category)}." : name + ".");
        if (node.Description is { Length: > 0 } description)
        {
            parts.Add(Escape(description));
        }

        if (node.IsInputList)
        {
            parts.Add("Takes each input as a whole list (<c>is_input_list</c>) and runs once.");
        }

        if (node.IsDeprecated)
        {
            parts.Add("Deprecated on the server.");
        }

        if (node.IsExperimental)
        {
            parts.Add("Experimental on the server.");
        }

        return string.Join(" ", parts);
    }

    /// <summary>An input's doc: tooltip, then what it takes (type, range, step, default, multiline).</summary>
    public static string Parameter(InputSchema input, string? optionsClass)
    {
        var parts = new List<string>();
        if (input.Tooltip is { Length: > 0 } tooltip)
        {
            parts.Add(Escape(tooltip.TrimEnd('.')) + ".");
        }

        var settings = input.Settings;
        switch (input.Kind)
        {
            case InputKind.Link:
                parts.Add($"A link from an output of type {Code(input.TypeName)}.");
                break;
            case InputKind.AnyLink:
                parts.Add(input.TypeName == "*" ? "A link from any output (<c>*</c>)." : $"A link from an output of type {Code(input.TypeName)} (any output is accepted here).");
                break;
            case InputKind.Combo:
                parts.Add(optionsClass is null
                    ? "One of the server's values (the list was empty when object_info was read)."
                    : $"One of {input.Options.Count} values, e.g. <see cref=\"{optionsClass}\"/>.");
                break;
            default:
                parts.Add(Code(input.TypeName) + Range(settings) + ".");
                break;
        }

        if (input.Default is { } value && Value(value) is { } text)
        {
            parts.Add($"Default {Code(text)}.");
        }

        if (settings.GetBool("multiline"))
        {
            parts.Add("Multiline.");
        }

        if (!input.IsRequired)
        {
            parts.Add("Optional.");
        }

        parts.Add($"Input {Code(input.Name)}.");
        return string.Join(" ", parts);
    }

    public static string Output(OutputSchema output, int index)
    {
        var text = $"Output {index.ToString(CultureInfo.InvariantCulture)}, {Code(output.Name)} of type {Code(output.TypeName)}";
        if (output.IsList)
        {
            text += " (a list: a node fed by it runs once per item)";
        }

        return output.Tooltip is { Length: > 0 } tooltip ? $"{text}: {Escape(tooltip)}" : text + ".";
    }

    private static string Range(JsonValue settings)
    {
        var min = Value(settings.Get("min"));
        var max = Value(settings.Get("max"));
        var step = Value(settings.Get("step"));
        var text = min is null && max is null ? string.Empty : $" from {min ?? "-∞"} to {max ?? "∞"}";
        return step is null ? text : $"{text}, step {step}";
    }

    private static string? Value(JsonValue? value) => value?.Kind switch
    {
        JsonKind.Number or JsonKind.String => value.Text,
        JsonKind.True => "true",
        JsonKind.False => "false",
        _ => null,
    };

    /// <summary>The first few values of a list, for a class summary.</summary>
    public static string Sample(IEnumerable<string> values) => string.Join(", ", values.Take(5).Select(Code));
}
