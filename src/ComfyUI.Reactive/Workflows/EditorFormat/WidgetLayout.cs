using System.Text.Json;
using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Workflows.EditorFormat;

/// <summary>One widget the ComfyUI frontend puts on a node, in the order its values appear in <c>widgets_values</c>.</summary>
/// <param name="Name">The input name (for extra widgets: <c>control_after_generate</c> or <c>upload</c>).</param>
/// <param name="Serialized">False for the frontend's helper widgets whose value is saved in the UI file but never sent.</param>
/// <param name="DynamicPrompts">True for text widgets whose <c>{a|b}</c> choices and comments the frontend resolves when queueing.</param>
/// <param name="Default">The schema default, used when the file holds no value.</param>
internal sealed record WidgetSlot(string Name, bool Serialized, bool DynamicPrompts, JsonElement? Default);

/// <summary>
/// The widgets the frontend creates for a node schema (ComfyUI_frontend's <c>litegraphService.addInputs</c> and widget
/// constructors): one per widget-typed input in declared order, a <c>control_after_generate</c> helper after every seed-like
/// INT (and any input declaring it), and an <c>upload</c> helper appended to the required inputs of media loaders.
/// </summary>
internal static class WidgetLayout
{
    // The core widget constructors (scripts/widgets.ts). Extension widgets (WEBCAM, LOAD_3D, AUDIO_RECORD, ...) depend on
    // frontend code this SDK does not run, so their inputs are treated as plain sockets.
    private static readonly HashSet<string> WidgetTypes = new(StringComparer.Ordinal) { "INT", "FLOAT", "BOOLEAN", "STRING", "COMBO", "MARKDOWN" };

    private static readonly string[] UploadFlags = ["image_upload", "video_upload", "animated_image_upload"];

    public static IReadOnlyList<WidgetSlot> For(NodeInfo schema)
    {
        var slots = new List<WidgetSlot>();
        var uploadAdded = false;
        var inputs = NodeSchemaCatalog.DeclaredInputs(schema).ToList();
        for (var i = 0; i < inputs.Count; i++)
        {
            var (name, spec, required) = inputs[i];
            if (IsWidget(spec))
            {
                slots.Add(new WidgetSlot(name, true, spec.TypeName == "STRING" && Flag(spec, "dynamicPrompts"), spec.Default));
                if (HasControlAfterGenerate(name, spec))
                {
                    slots.Add(new WidgetSlot("control_after_generate", false, false, null));
                }
            }

            // The frontend's Comfy.UploadImage extension adds required.upload after the last required input.
            var lastRequired = required && (i + 1 == inputs.Count || !inputs[i + 1].Required);
            if (lastRequired && !uploadAdded && inputs.Any(x => x.Required && IsMediaUpload(x.Spec)))
            {
                slots.Add(new WidgetSlot("upload", false, false, null));
                uploadAdded = true;
            }
        }

        return slots;
    }

    /// <summary>True when the frontend shows this input as a widget (so its value lives in <c>widgets_values</c>).</summary>
    public static bool IsWidget(InputSpec spec) => WidgetTypes.Contains(spec.TypeName) && !Flag(spec, "forceInput");

    private static bool HasControlAfterGenerate(string name, InputSpec spec)
    {
        // useIntWidget: control_after_generate ?? (name is seed or noise_seed); combos only when declared.
        if (spec.Options is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty("control_after_generate", out var declared))
        {
            return declared.ValueKind is JsonValueKind.True or JsonValueKind.String;
        }

        return spec.TypeName == "INT" && name is "seed" or "noise_seed";
    }

    private static bool IsMediaUpload(InputSpec spec) => spec.IsCombo && UploadFlags.Any(f => Flag(spec, f));

    private static bool Flag(InputSpec spec, string key) =>
        spec.Options is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.True;
}
