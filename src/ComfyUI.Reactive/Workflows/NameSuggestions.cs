namespace ComfyUI.Reactive.Workflows;

/// <summary>Nearest names for "did you mean" messages: case-insensitive edit distance, closest first.</summary>
internal static class NameSuggestions
{
    public static IReadOnlyList<string> Nearest(string name, IEnumerable<string> candidates, int take = 3)
    {
        var limit = Math.Max(2, name.Length / 3);
        return [.. candidates.Distinct(StringComparer.Ordinal)
            .Select(c => (Name: c, Distance: Distance(name.ToLowerInvariant(), c.ToLowerInvariant())))
            .Where(c => c.Distance <= limit || c.Name.Contains(name, StringComparison.OrdinalIgnoreCase))
            .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Take(take)
            .Select(c => c.Name)];
    }

    /// <summary>"Did you mean 'text'? Its inputs are: clip, text." (or just the list when nothing is close).</summary>
    public static string Hint(string name, IReadOnlyCollection<string> candidates, string what)
    {
        var nearest = Nearest(name, candidates);
        var list = candidates.Count == 0 ? $"It has no {what}." : $"Its {what} are: {string.Join(", ", candidates.Take(30))}{(candidates.Count > 30 ? ", ..." : string.Empty)}.";
        return nearest.Count == 0 ? list : $"Did you mean {string.Join(" or ", nearest.Select(n => $"'{n}'"))}? {list}";
    }

    private static int Distance(string a, string b)
    {
        // Optimal string alignment: a swapped pair of letters ("txet") counts as one edit.
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
