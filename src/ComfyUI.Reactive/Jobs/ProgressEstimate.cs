using System.Collections.Immutable;

namespace ComfyUI.Reactive.Jobs;

/// <summary>
/// The overall fraction of a job, as pure data: nodes done (cached, finished) count 1, running nodes their step share,
/// over the nodes expected to run or come from the cache. Never decreases and stays below 1 until the job completes.
/// </summary>
/// <remarks>Separate from the job machine so a better estimator (step weighting, ETA) can replace it. A value (part of
/// the <see cref="JobState"/> struct): changing it allocates only when its sets change.</remarks>
internal readonly record struct ProgressEstimate
{
    public static readonly ProgressEstimate Empty = new();

    /// <summary>Creates an empty estimate (the initializers below run; <c>default</c> would leave them null).</summary>
    public ProgressEstimate()
    {
    }

    public ImmutableHashSet<string> Done { get; init; } = ImmutableHashSet<string>.Empty.WithComparer(StringComparer.Ordinal);

    public ImmutableDictionary<string, double> Running { get; init; } = ImmutableDictionary<string, double>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>The estimate (monotonic).</summary>
    public double Fraction { get; init; }

    /// <summary>The last fraction reported in a <see cref="JobProgress"/>.</summary>
    public double Reported { get; init; }

    public ProgressEstimate WithDone(string node) => Done.Contains(node) ? this : this with { Done = Done.Add(node) };

    public ProgressEstimate WithShare(string node, double value, double max) =>
        this with { Running = Running.SetItem(node, Math.Clamp(value / max, 0, 1)) };

    public ProgressEstimate WithoutShare(string node) => Running.ContainsKey(node) ? this with { Running = Running.Remove(node) } : this;

    /// <summary>The estimate over <paramref name="total"/> expected nodes.</summary>
    public ProgressEstimate Recomputed(int total)
    {
        double sum = Done.Count;
        foreach (var (node, share) in Running)
        {
            if (!Done.Contains(node))
            {
                sum += share;
            }
        }

        // Estimates can overshoot (nodes the graph analysis did not expect); never report done before the end.
        var fraction = Math.Max(Fraction, Math.Min(0.999, sum / Math.Max(1, total)));
        return fraction == Fraction ? this : this with { Fraction = fraction };
    }

    /// <summary>Whether the estimate moved past what was last reported.</summary>
    public bool Advanced => Fraction > Reported + 1e-9;

    public ProgressEstimate MarkReported() => Reported == Fraction ? this : this with { Reported = Fraction };
}
