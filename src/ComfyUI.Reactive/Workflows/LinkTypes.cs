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

    /// <summary>
    /// The frontend's <c>LiteGraph.isValidConnection</c>: empty or <c>*</c> matches anything; otherwise case-insensitive,
    /// and comma-separated sets match when any member does (no trimming, unlike the server).
    /// </summary>
    public static bool FrontendCompatible(string left, string right)
    {
        var a = left is "" or "*" ? null : left;
        var b = right is "" or "*" ? null : right;
        if (a is null || b is null || a == b)
        {
            return true;
        }

        a = a.ToLowerInvariant();
        b = b.ToLowerInvariant();
        if (!a.Contains(',', StringComparison.Ordinal) && !b.Contains(',', StringComparison.Ordinal))
        {
            return a == b;
        }

        return a.Split(',').Any(x => b.Split(',').Any(y => FrontendCompatible(x, y)));
    }
}
