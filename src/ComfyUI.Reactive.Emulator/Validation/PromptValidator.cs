using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Emulator.Files;
using ComfyUI.Reactive.Emulator.Nodes;

namespace ComfyUI.Reactive.Emulator.Validation;

/// <summary>The outcome of validating a prompt: either queueable outputs (maybe with some <c>node_errors</c>) or a 400 error.</summary>
internal sealed class ValidationOutcome
{
    public required bool Valid { get; init; }
    public JsonObject? Error { get; init; }
    public required JsonObject NodeErrors { get; init; }
    public required IReadOnlyList<string> GoodOutputs { get; init; }
}

/// <summary>
/// A port of ComfyUI's <c>validate_prompt</c> / <c>validate_inputs</c> (execution.py, 0.3.64): walks upstream from each
/// output node, converts constants like Python's <c>int()</c>/<c>float()</c>/<c>str()</c> (writing the converted value
/// back into the prompt, as the server does), checks min/max/combos, link types and the nodes' own validation, and
/// reports errors with the same types, messages, details and <c>extra_info</c>.
/// Deliberate difference: inputs are checked in <c>input_order</c>, while the real server iterates a Python set
/// (so the order of several errors on one node varies between real server processes).
/// </summary>
internal sealed partial class PromptValidator(NodeCatalog catalog, FileStore files, bool legacyUnknownNodeError)
{
    private sealed class InnerValidationException(string message, string type) : Exception(message)
    {
        public string PythonType { get; } = type;
    }

    private sealed record Validated(bool Ok, List<JsonObject> Reasons);

    public ValidationOutcome Validate(JsonObject prompt, IReadOnlyCollection<string>? partialTargets)
    {
        var outputs = new List<string>();
        foreach (var (id, value) in prompt)
        {
            var node = value as JsonObject;
            if (node?["class_type"] is not JsonValue ct || ct.GetValueKind() != JsonValueKind.String)
            {
                return Fail(legacyUnknownNodeError
                    ? Error("invalid_prompt", "Cannot execute because a node is missing the class_type property.", $"Node ID '#{id}'")
                    : MissingNodeType(id, node, null, $"Node '{Title(id, node)}' has no class_type. The workflow may be corrupted or a custom node is missing."));
            }

            var classType = ct.GetValue<string>();
            if (!catalog.TryGet(classType, out var schema))
            {
                return Fail(legacyUnknownNodeError
                    ? Error("invalid_prompt", $"Cannot execute because node {classType} does not exist.", $"Node ID '#{id}'")
                    : MissingNodeType(id, node, classType, $"Node '{Title(id, node)}' not found. The custom node may not be installed."));
            }

            if (schema.OutputNode && (partialTargets is null || partialTargets.Contains(id)))
            {
                outputs.Add(id);
            }
        }

        if (outputs.Count == 0)
        {
            return Fail(Error("prompt_no_outputs", "Prompt has no outputs", string.Empty));
        }

        var good = new List<string>();
        var errors = new List<(string Output, List<JsonObject> Reasons)>();
        var nodeErrors = new JsonObject();
        var validated = new Dictionary<string, Validated>(StringComparer.Ordinal);
        foreach (var o in outputs)
        {
            bool ok;
            List<JsonObject> reasons;
            try
            {
                var m = ValidateInputs(prompt, o, validated);
                ok = m.Ok;
                reasons = m.Reasons;
            }
            catch (InnerValidationException ex)
            {
                ok = false;
                reasons =
                [
                    new JsonObject
                    {
                        ["type"] = "exception_during_validation",
                        ["message"] = "Exception when validating node",
                        ["details"] = ex.Message,
                        ["extra_info"] = new JsonObject { ["exception_type"] = ex.PythonType, ["traceback"] = Traceback("validate_prompt") },
                    },
                ];
                validated[o] = new Validated(false, reasons);
            }

            if (ok)
            {
                good.Add(o);
                continue;
            }

            if (reasons.Count > 0)
            {
                errors.Add((o, reasons));
            }

            foreach (var (nodeId, result) in validated)
            {
                if (result.Ok || result.Reasons.Count == 0)
                {
                    continue;
                }

                if (nodeErrors[nodeId] is not JsonObject entry)
                {
                    entry = new JsonObject
                    {
                        ["errors"] = new JsonArray(result.Reasons.Select(r => (JsonNode?)r.DeepClone()).ToArray()),
                        ["dependent_outputs"] = new JsonArray(),
                        ["class_type"] = prompt[nodeId]!["class_type"]!.GetValue<string>(),
                    };
                    nodeErrors[nodeId] = entry;
                }

                entry["dependent_outputs"]!.AsArray().Add(o);
            }
        }

        if (good.Count == 0)
        {
            var details = string.Join("\n", errors.SelectMany(e => e.Reasons).Select(r => $"{r["message"]!.GetValue<string>()}: {r["details"]!.GetValue<string>()}"));
            return new ValidationOutcome
            {
                Valid = false,
                Error = Error("prompt_outputs_failed_validation", "Prompt outputs failed validation", details),
                NodeErrors = nodeErrors,
                GoodOutputs = good,
            };
        }

        return new ValidationOutcome { Valid = true, NodeErrors = nodeErrors, GoodOutputs = good };
    }

    private static string Title(string id, JsonObject? node) =>
        node?["_meta"]?["title"] is JsonValue t && t.GetValueKind() == JsonValueKind.String ? t.GetValue<string>() : $"ID #{id}";

    private static JsonObject MissingNodeType(string id, JsonObject? node, string? classType, string message) => new()
    {
        ["type"] = "missing_node_type",
        ["message"] = message,
        ["details"] = $"Node ID '#{id}'",
        ["extra_info"] = new JsonObject { ["node_id"] = id, ["class_type"] = classType, ["node_title"] = Title(id, node) },
    };

    private static ValidationOutcome Fail(JsonObject error) => new() { Valid = false, Error = error, NodeErrors = [], GoodOutputs = [] };

    public static JsonObject Error(string type, string message, string details) => new()
    {
        ["type"] = type,
        ["message"] = message,
        ["details"] = details,
        ["extra_info"] = new JsonObject(),
    };

    private static JsonArray Traceback(string function) =>
        [$"  File \"comfyui-reactive-emulator/validation.py\", line 1, in {function}\n"];

    private Validated ValidateInputs(JsonObject prompt, string id, Dictionary<string, Validated> validated)
    {
        if (validated.TryGetValue(id, out var done))
        {
            return done;
        }

        var node = prompt[id]!.AsObject();
        var inputs = node["inputs"] as JsonObject ?? [];
        catalog.TryGet(node["class_type"]!.GetValue<string>(), out var schema);
        var errors = new List<JsonObject>();
        var valid = true;
        var custom = schema.Behavior.CustomValidatedInputs;
        var constants = custom.Count > 0 ? new Dictionary<string, object?>(StringComparer.Ordinal) : null;

        foreach (var spec in schema.Inputs)
        {
            var x = spec.Name;
            if (!inputs.TryGetPropertyValue(x, out var val))
            {
                if (spec.Required)
                {
                    errors.Add(new JsonObject
                    {
                        ["type"] = "required_input_missing",
                        ["message"] = "Required input is missing",
                        ["details"] = x,
                        ["extra_info"] = new JsonObject { ["input_name"] = x },
                    });
                }

                continue;
            }

            if (val is JsonArray link)
            {
                if (link.Count != 2)
                {
                    errors.Add(new JsonObject
                    {
                        ["type"] = "bad_linked_input",
                        ["message"] = "Bad linked input, must be a length-2 list of [node_id, slot_index]",
                        ["details"] = x,
                        ["extra_info"] = new JsonObject { ["input_name"] = x, ["input_config"] = spec.Config.DeepClone(), ["received_value"] = link.DeepClone() },
                    });
                    continue;
                }

                var oId = link[0] is JsonValue lv && lv.GetValueKind() == JsonValueKind.String ? lv.GetValue<string>() : null;
                if (oId is null || prompt[oId] is not JsonObject upstream)
                {
                    // prompt[o_id] raises KeyError: str(KeyError('99')) == "'99'"; a non-string id never matches a key.
                    var shown = link[0] is JsonValue kv && kv.GetValueKind() == JsonValueKind.String ? "'" + kv.GetValue<string>() + "'" : PythonText.Str(link[0]);
                    throw new InnerValidationException(shown, "KeyError");
                }

                if (upstream["class_type"] is not JsonValue uct || !catalog.TryGet(uct.GetValue<string>(), out var upstreamSchema))
                {
                    throw new InnerValidationException("'class_type'", "KeyError");
                }

                var slot = link[1] is JsonValue sv && sv.GetValueKind() == JsonValueKind.Number && sv.GetValue<JsonElement>().TryGetInt32(out var s) ? s : -1;
                if (slot < 0 || slot >= upstreamSchema.OutputTypes.Count)
                {
                    throw new InnerValidationException("tuple index out of range", "IndexError");
                }

                var receivedType = upstreamSchema.OutputTypes[slot];
                if (!TypesMatch(receivedType, spec))
                {
                    var inputType = spec.TypeName ?? PythonText.List(spec.Combo!);
                    errors.Add(new JsonObject
                    {
                        ["type"] = "return_type_mismatch",
                        ["message"] = "Return type mismatch between linked nodes",
                        ["details"] = $"{x}, received_type({receivedType}) mismatch input_type({inputType})",
                        ["extra_info"] = new JsonObject
                        {
                            ["input_name"] = x,
                            ["input_config"] = spec.Config.DeepClone(),
                            ["received_type"] = receivedType,
                            ["linked_node"] = link.DeepClone(),
                        },
                    });
                    continue;
                }

                try
                {
                    if (!ValidateInputs(prompt, oId, validated).Ok)
                    {
                        valid = false;
                    }
                }
                catch (InnerValidationException ex)
                {
                    valid = false;
                    validated[oId] = new Validated(false,
                    [
                        new JsonObject
                        {
                            ["type"] = "exception_during_inner_validation",
                            ["message"] = "Exception when validating inner node",
                            ["details"] = ex.Message,
                            ["extra_info"] = new JsonObject
                            {
                                ["input_name"] = x,
                                ["input_config"] = spec.Config.DeepClone(),
                                ["exception_message"] = ex.Message,
                                ["exception_type"] = ex.PythonType,
                                ["traceback"] = Traceback("validate_inputs"),
                                ["linked_node"] = link.DeepClone(),
                            },
                        },
                    ]);
                }

                continue;
            }

            if (val is JsonObject wrapped && wrapped.TryGetPropertyValue("__value__", out var inner))
            {
                val = inner?.DeepClone();
                inputs[x] = val;
            }

            if (!TryConvert(spec, val, out var converted, out var replacement, out var failure))
            {
                errors.Add(new JsonObject
                {
                    ["type"] = "invalid_input_type",
                    ["message"] = $"Failed to convert an input value to a {spec.TypeName} value",
                    ["details"] = $"{x}, {PythonText.Str(val)}, {failure}",
                    ["extra_info"] = new JsonObject
                    {
                        ["input_name"] = x,
                        ["input_config"] = spec.Config.DeepClone(),
                        ["received_value"] = val?.DeepClone(),
                        ["exception_message"] = failure,
                    },
                });
                continue;
            }

            if (replacement is not null)
            {
                inputs[x] = replacement;
                val = replacement;
            }

            constants?.Add(x, converted);
            if (custom.Contains(x))
            {
                continue;
            }

            if (spec.TryGetBound("min", out var min) && Compare(converted, min) < 0)
            {
                errors.Add(Bound("value_smaller_than_min", $"Value {Show(converted)} smaller than min of {min.GetRawText()}", x, spec, val));
                continue;
            }

            if (spec.TryGetBound("max", out var max) && Compare(converted, max) > 0)
            {
                errors.Add(Bound("value_bigger_than_max", $"Value {Show(converted)} bigger than max of {max.GetRawText()}", x, spec, val));
                continue;
            }

            // Only legacy list combos are checked: 0.3.64 tests isinstance(input_type, list), so V3 "COMBO" inputs pass any value.
            if (spec.CurrentCombo(files) is { } combo && (converted is not string str || !combo.Contains(str)))
            {
                var big = combo.Count > 20;
                var config = spec.LiveCombo is null ? spec.Config.DeepClone() : new JsonArray(new JsonArray(combo.Select(c => (JsonNode?)c).ToArray()), spec.Options.DeepClone());
                errors.Add(new JsonObject
                {
                    ["type"] = "value_not_in_list",
                    ["message"] = "Value not in list",
                    ["details"] = $"{x}: '{PythonText.Str(val)}' not in {(big ? $"(list of length {combo.Count})" : PythonText.List(combo))}",
                    ["extra_info"] = new JsonObject
                    {
                        ["input_name"] = x,
                        ["input_config"] = big ? null : config,
                        ["received_value"] = val?.DeepClone(),
                    },
                });
            }
        }

        if (custom.Count > 0 && constants is not null)
        {
            var failure = schema.Behavior.ValidateInputs(constants, files);
            if (failure is not null)
            {
                foreach (var x in custom)
                {
                    errors.Add(new JsonObject
                    {
                        ["type"] = "custom_validation_failed",
                        ["message"] = "Custom validation failed for node",
                        ["details"] = $"{x} - {failure}",
                        ["extra_info"] = new JsonObject { ["input_name"] = x },
                    });
                }
            }
        }

        var result = new Validated(errors.Count == 0 && valid, errors);
        validated[id] = result;
        return result;
    }
}
