using System.Text;

namespace ComfyUI.Reactive.Events;

/// <summary>
/// Turns short UTF-8 values (prompt ids, node ids, states) into strings without allocating when the same bytes
/// were seen recently. A running prompt repeats the same few ids in every frame, so a tiny last-seen table hits
/// almost always and keeps the hot frames (<c>progress</c>, <c>progress_state</c>) nearly allocation-free.
/// </summary>
/// <remarks>
/// One table per thread ([ThreadStatic]): each client decodes on its own socket thread and several clients run in
/// parallel, so a per-thread table needs no locks and never hands a half-written entry to another thread.
/// </remarks>
internal static class Utf8StringCache
{
    // Enough for a prompt id plus the node ids of a typical graph; a linear scan of this many short spans
    // is cheaper than hashing.
    private const int Capacity = 16;

    // Longer values are rarely repeated ids (texts, messages); caching them would only evict the useful ones.
    private const int MaxCachedLength = 64;

    [ThreadStatic]
    private static Entry[]? t_entries;

    [ThreadStatic]
    private static int t_next;

    /// <summary>Returns the string for <paramref name="utf8"/>, from the table when the bytes were seen recently.</summary>
    public static string Get(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return string.Empty;
        }

        if (utf8.Length > MaxCachedLength)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        var entries = t_entries ??= new Entry[Capacity];
        foreach (var entry in entries)
        {
            if (entry.Utf8 is null)
            {
                break;
            }

            if (utf8.SequenceEqual(entry.Utf8))
            {
                return entry.Value;
            }
        }

        var value = Encoding.UTF8.GetString(utf8);
        entries[t_next] = new Entry(utf8.ToArray(), value);
        t_next = (t_next + 1) % Capacity;
        return value;
    }

    private readonly record struct Entry(byte[] Utf8, string Value);
}
