using System.Text.Json;
using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Workflows;

/// <summary>The link checks of the validator: a linked input's shape, its source node and slot, and the type it carries,
/// with the server's messages.</summary>
internal sealed partial class WorkflowValidator
{
    /// <summary>One linked input. Returns Raised when the server would raise (missing node, bad slot), which aborts the node.</summary>
    private Outcome ValidateLink(string id, string name, InputSpec spec, JsonElement link, List<PromptError> errors)
    {
        var ok = new Outcome(new NodeResult(true, []), null);
        var failed = new Outcome(new NodeResult(false, []), null);
        if (link.GetArrayLength() != 2)
        {
            errors.Add(Error("bad_linked_input", "Bad linked input, must be a length-2 list of [node_id, slot_index]", name, w =>
            {
                w.WriteString("input_name", name);
                WriteInputConfig(w, spec);
                w.WritePropertyName("received_value");
                link.WriteTo(w);
            }));
            return ok;
        }

        var source = link[0];
        if (source.ValueKind is JsonValueKind.Array or JsonValueKind.Object)
        {
            return Raise("TypeError", $"unhashable type: '{(source.ValueKind == JsonValueKind.Array ? "list" : "dict")}'");
        }

        // prompt[o_id]: keys are strings, so a numeric id is a KeyError too (str(KeyError(x)) is repr(x)).
        if (source.ValueKind != JsonValueKind.String || !_nodes.TryGetValue(source.GetString()!, out var sourceNode))
        {
            return Raise("KeyError", PythonValue.Repr(source));
        }

        var sourceId = source.GetString()!;
        _catalog.TryGetNode(Workflow.ClassTypeOf(sourceNode)!, out var sourceInfo);
        var returnTypes = sourceInfo!.Output;
        var slot = link[1];
        if (PythonNumber.FromJson(slot) is not { IsInt: true } index)
        {
            return Raise("TypeError", $"tuple indices must be integers or slices, not {PythonTypeName(slot)}");
        }

        if (index.Integer < -returnTypes.Count || index.Integer >= returnTypes.Count)
        {
            return Raise("IndexError", "tuple index out of range");
        }

        var at = (int)index.Integer;
        var receivedType = returnTypes[at < 0 ? returnTypes.Count + at : at];
        if (!LinkTypes.Accepts(spec, receivedType))
        {
            errors.Add(Error(
                "return_type_mismatch",
                "Return type mismatch between linked nodes",
                $"{name}, received_type({receivedType}) mismatch input_type({TypeText(spec)})",
                w =>
                {
                    w.WriteString("input_name", name);
                    WriteInputConfig(w, spec);
                    w.WriteString("received_type", receivedType);
                    w.WritePropertyName("linked_node");
                    link.WriteTo(w);
                }));
            return ok;
        }

        if (_onStack.Contains(sourceId))
        {
            var cycle = _stack.Skip(_stack.IndexOf(sourceId)).Append(sourceId).ToList();
            errors.Add(Error(
                "dependency_cycle",
                "Dependency cycle detected",
                string.Join(" -> ", cycle.Select(n => $"{n} ({Workflow.ClassTypeOf(_nodes[n])})")),
                w =>
                {
                    w.WriteString("node_id", id);
                    w.WriteStartArray("cycle_nodes");
                    foreach (var n in cycle.Take(cycle.Count - 1))
                    {
                        w.WriteStringValue(n);
                    }

                    w.WriteEndArray();
                }));
            return failed;
        }

        var inner = ValidateNode(sourceId);
        if (inner.Raised is { } raised)
        {
            // The server pins an exception inside the upstream node on that node, described from this consumer's input.
            _validated[sourceId] = new NodeResult(false,
            [
                Error("exception_during_inner_validation", "Exception when validating inner node", raised.Message, w =>
                {
                    w.WriteString("input_name", name);
                    WriteInputConfig(w, spec);
                    w.WriteString("exception_message", raised.Message);
                    w.WriteString("exception_type", raised.Type);
                    w.WritePropertyName("traceback");
                    EmptyArray.WriteTo(w);
                    w.WritePropertyName("linked_node");
                    link.WriteTo(w);
                }),
            ]);
            return failed;
        }

        return inner.Result!.Valid ? ok : failed;
    }
}
