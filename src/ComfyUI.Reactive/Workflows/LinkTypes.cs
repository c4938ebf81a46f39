using System.Text.Json;
using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Workflows;

/// <summary>
/// Whether an output type may feed an input, as the server decides (<c>validate_node_input</c>, PROTOCOL.md §5.3): equal
/// types pass; <c>*</c> on either side passes; otherwise both are comma-separated type sets and any overlap passes.
/// A legacy combo input (whose type is its option list) only takes <c>*</c>.
/// </summary>
internal static class LinkTypes
{
    public static bool Accepts(InputSpec input, string receivedType)
    {
        if (receivedType == "*")
        {
            return true;
        }

        if (IsLegacyCombo(input))
        {
            return false;
        }

        return Overlap(receivedType, input.TypeName);
    }

    public static bool Overlap(string receivedType, string inputType)
    {
        if (string.Equals(receivedType, inputType, StringComparison.Ordinal) || receivedType == "*" || inputType == "*")
        {
            return true;
        }

        var received = receivedType.Split(',', StringSplitOptions.TrimEntries);
        var accepted = inputType.Split(',', StringSplitOptions.TrimEntries);
        return received.Intersect(accepted, StringComparer.Ordinal).Any();
    }

    public static bool IsLegacyCombo(InputSpec spec) =>
        spec.Raw.ValueKind == JsonValueKind.Array && spec.Raw.GetArrayLength() > 0 && spec.Raw[0].ValueKind == JsonValueKind.Array;
}
