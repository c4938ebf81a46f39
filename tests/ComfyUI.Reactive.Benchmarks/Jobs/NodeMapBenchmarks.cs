using System.Collections.Immutable;
using BenchmarkDotNet.Attributes;
using ComfyUI.Reactive.Jobs;

namespace ComfyUI.Reactive.Benchmarks.Jobs;

/// <summary>
/// The job state's per-node maps over one run (docs/benchmarks.md, "Job state maps"): every node started and finished
/// and two of them (the samplers) stepped 20 times, as the progress estimate records them, in the
/// <see cref="NodeMap{TValue}"/> the state uses against the <c>ImmutableDictionary</c> it replaced, for a small graph,
/// a large one and a very large one. Target: faster than <c>ImmutableDictionary</c> at every size; the allocation is
/// reported (it grows with the square of the graph: a change copies the arrays).
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class NodeMapBenchmarks
{
    private const int Steps = 20;
    private static readonly object Started = new();
    private static readonly object Finished = new();

    private string[] _nodes = [];

    [Params(8, 50, 300)]
    public int Nodes { get; set; }

    [GlobalSetup]
    public void Setup() => _nodes = [.. Enumerable.Range(1, Nodes).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    private int StepsOf(string node) => ReferenceEquals(node, _nodes[0]) || ReferenceEquals(node, _nodes[^1]) ? Steps : 0;

    // The two bodies are the same on purpose, written out for each type: a shared helper over a delegate or an
    // interface would put a call the state itself does not make into what is measured.
    [Benchmark(Baseline = true)]
    public int Immutable()
    {
        var map = ImmutableDictionary<string, object>.Empty.WithComparers(StringComparer.Ordinal);
        foreach (var node in _nodes)
        {
            map = map.SetItem(node, Started);
            for (var step = 0; step < StepsOf(node); step++)
            {
                map = map.SetItem(node, new object());
            }

            map = map.SetItem(node, Finished);
            _ = map.TryGetValue(_nodes[0], out _);
        }

        return map.Count;
    }

    [Benchmark]
    public int Sorted()
    {
        var map = NodeMap<object>.Empty;
        foreach (var node in _nodes)
        {
            map = map.SetItem(node, Started);
            for (var step = 0; step < StepsOf(node); step++)
            {
                map = map.SetItem(node, new object());
            }

            map = map.SetItem(node, Finished);
            _ = map.TryGetValue(_nodes[0], out _);
        }

        return map.Count;
    }
}
