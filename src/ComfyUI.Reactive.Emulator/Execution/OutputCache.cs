namespace ComfyUI.Reactive.Emulator.Execution;

/// <summary>A cached node: its output slots and its UI dict (JSON) if it had one.</summary>
internal sealed record CachedNode(object?[] Outputs, byte[]? Ui);

/// <summary>
/// ComfyUI's classic output cache: entries are keyed by an input signature (class, constant inputs, upstream
/// signatures and sockets, <c>IS_CHANGED</c>), and each new prompt drops the entries it does not use
/// (<c>clean_unused</c>). Only the worker touches it, apart from <see cref="Clear"/>, which is deferred to it.
/// </summary>
internal sealed class OutputCache
{
    private readonly Dictionary<string, CachedNode> entries = new(StringComparer.Ordinal);

    public bool TryGet(string signature, out CachedNode node) => entries.TryGetValue(signature, out node!);

    public void Set(string signature, CachedNode node) => entries[signature] = node;

    public void KeepOnly(HashSet<string> signatures)
    {
        if (entries.Count == 0)
        {
            return;
        }

        foreach (var key in entries.Keys.Where(k => !signatures.Contains(k)).ToList())
        {
            entries.Remove(key);
        }
    }

    public void Clear() => entries.Clear();
}
