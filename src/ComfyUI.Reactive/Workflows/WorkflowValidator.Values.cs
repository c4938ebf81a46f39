using System.Buffers;
using System.Text.Json;
using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Workflows;

/// <summary>The value checks of the validator: a constant against its input's schema (type, range, combo list, upload
/// file), with the server's messages.</summary>
internal sealed partial class WorkflowValidator
{
    private void ValidateValue(string name, InputSpec spec, JsonElement value, List<PromptError> errors)
    {
        PythonNumber? number;
        switch (spec.TypeName)
        {
            case "INT" when !LinkTypes.IsLegacyCombo(spec):
                if (!PythonValue.TryInt(value, out var integer, out var intError))
                {
                    errors.Add(InvalidType(name, spec, value, intError));
                    return;
                }

                number = PythonNumber.Int(integer);
                break;
            case "FLOAT":
                if (!PythonValue.TryFloat(value, out var real, out var floatError))
                {
                    errors.Add(InvalidType(name, spec, value, floatError));
                    return;
                }

                number = PythonNumber.Real(real);
                break;
            case "STRING" or "BOOLEAN":
                // str() and bool() accept anything (so "false" is true: send JSON booleans).
                number = null;
                break;
            default:
                number = PythonNumber.FromJson(value);
                break;
        }

        if (number is { } n)
        {
            if (Option(spec, "min") is { } minElement && PythonNumber.FromJson(minElement) is { } min && n.CompareTo(min) < 0)
            {
                errors.Add(Error("value_smaller_than_min", $"Value {n} smaller than min of {min}", name, w =>
                {
                    w.WriteString("input_name", name);
                    WriteInputConfig(w, spec);
                    w.WritePropertyName("received_value");
                    n.WriteTo(w);
                }));
                return;
            }

            if (Option(spec, "max") is { } maxElement && PythonNumber.FromJson(maxElement) is { } max && n.CompareTo(max) > 0)
            {
                errors.Add(Error("value_bigger_than_max", $"Value {n} bigger than max of {max}", name, w =>
                {
                    w.WriteString("input_name", name);
                    WriteInputConfig(w, spec);
                    w.WritePropertyName("received_value");
                    n.WriteTo(w);
                }));
                return;
            }
        }

        if (ComboList(spec) is { } list && !list.EnumerateArray().Any(option => PythonValue.Equal(option, value)))
        {
            var count = list.GetArrayLength();

            // The server leaves long lists (scanned model files) out of the answer.
            var listText = count > 20 ? $"(list of length {count})" : PythonValue.Repr(list);
            errors.Add(Error("value_not_in_list", "Value not in list", $"{name}: '{PythonValue.Str(value)}' not in {listText}", w =>
            {
                w.WriteString("input_name", name);
                if (count > 20)
                {
                    w.WriteNull("input_config");
                }
                else
                {
                    WriteInputConfig(w, spec);
                }

                w.WritePropertyName("received_value");
                value.WriteTo(w);
            }));
        }
    }

    private JsonElement? ComboList(InputSpec spec)
    {
        if (LinkTypes.IsLegacyCombo(spec))
        {
            return spec.Raw[0];
        }

        if (spec.TypeName == "COMBO" && _options.CheckV3Combos &&
            Option(spec, "options") is { ValueKind: JsonValueKind.Array } options &&
            Option(spec, "multiselect") is not { ValueKind: JsonValueKind.True })
        {
            return options;
        }

        return null;
    }

    private static PromptError InvalidType(string name, InputSpec spec, JsonElement value, string exception) =>
        Error(
            "invalid_input_type",
            $"Failed to convert an input value to a {spec.TypeName} value",
            $"{name}, {PythonValue.Str(value)}, {exception}",
            w =>
            {
                w.WriteString("input_name", name);
                WriteInputConfig(w, spec);
                w.WritePropertyName("received_value");
                value.WriteTo(w);
                w.WriteString("exception_message", exception);
            });

    /// <summary>"image" for <c>image_upload: true</c>, "audio", "video", ...; null when the input is not an upload list.</summary>
    private static string? UploadKind(InputSpec spec)
    {
        if (!spec.IsCombo || spec.Options is not { ValueKind: JsonValueKind.Object } options)
        {
            return null;
        }

        foreach (var option in options.EnumerateObject())
        {
            if (option.Name.EndsWith("_upload", StringComparison.Ordinal) && option.Value.ValueKind == JsonValueKind.True)
            {
                return option.Name[..^"_upload".Length];
            }
        }

        return null;
    }

    private static bool IsKnownFile(InputSpec spec, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        var name = value.GetString()!;
        if (name.EndsWith(" [input]", StringComparison.Ordinal))
        {
            name = name[..^" [input]".Length];
        }
        else if (name.EndsWith(']') && name.Contains(" [", StringComparison.Ordinal))
        {
            return true; // [output] / [temp]: another folder, not listed.
        }

        // The list holds the input folder's top level only; the server also finds files in subfolders.
        return name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal) ||
               spec.ComboOptions!.Contains(name, StringComparer.Ordinal);
    }

    private static void WriteInputConfig(Utf8JsonWriter writer, InputSpec spec)
    {
        // The server sends (type, extra_info): the spec's first element and its options, {} when it has none.
        writer.WriteStartArray("input_config");
        if (spec.Raw.ValueKind == JsonValueKind.Array && spec.Raw.GetArrayLength() > 0)
        {
            spec.Raw[0].WriteTo(writer);
        }
        else
        {
            writer.WriteStringValue(spec.TypeName);
        }

        (spec.Options is { ValueKind: JsonValueKind.Object } options ? options : EmptyObject).WriteTo(writer);
        writer.WriteEndArray();
    }

    private static string TypeText(InputSpec spec) => LinkTypes.IsLegacyCombo(spec) ? PythonValue.Repr(spec.Raw[0]) : spec.TypeName;

    private static JsonElement? Option(InputSpec spec, string key) =>
        spec.Options is { ValueKind: JsonValueKind.Object } options && options.TryGetProperty(key, out var value) ? value : null;

    private static string PythonTypeName(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => "NoneType",
        JsonValueKind.String => "str",
        JsonValueKind.Object => "dict",
        JsonValueKind.Array => "list",
        _ => "float",
    };
}
