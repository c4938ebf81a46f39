using System.Diagnostics;
using System.Globalization;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Pooling;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Benchmarks.Pool;

/// <summary>
/// Does the pool keep every server busy (docs/benchmarks.md, "Pool")? N in-process emulators where every job is a fixed
/// amount of simulated execution (<c>NodeDelays</c> on StringConcatenate, with a different <c>string_a</c> per job so
/// nothing comes from the cache), many jobs through one <see cref="ComfyPool"/> with its default options. Efficiency is
/// ideal time (jobs × job time / servers) over wall time; the idle gap is measured on the server side, from each
/// emulator's execution timeline (<see cref="ComfyEmulator.GetExecutions"/>): the end of one execution to the start of
/// the next on the same server.
/// </summary>
internal sealed class PoolThroughput
{
    private const string Template = """
        {"1": {"class_type": "StringConcatenate", "inputs": {"string_a": "x", "string_b": "ComfyUI", "delimiter": " "}},
         "2": {"class_type": "PreviewAny", "inputs": {"source": ["1", 0]}}}
        """;

    private int Servers { get; init; } = 4;

    private int Jobs { get; init; } = 800;

    private TimeSpan JobTime { get; init; } = TimeSpan.FromMilliseconds(100);

    private int Warmup { get; init; } = 8;

    private int? Capacity { get; init; }

    /// <summary>Through Redis (<c>--redis 1</c>): a <c>RedisComfyPool</c> over a real redis-server, jobs enqueued and
    /// observed by id; what the distributed queue adds per job shows as idle gaps on the servers.</summary>
    private bool Redis { get; init; }

    public static async Task<int> RunAsync(string[] args)
    {
        PoolThroughput bench;
        try
        {
            bench = Parse(args);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            Console.Error.WriteLine(ex.Message);
            Console.Error.WriteLine("pool [--servers 4] [--jobs 800] [--job-ms 100] [--warmup 8] [--capacity <pool default>] [--redis 0|1]");
            return 2;
        }

        return await bench.RunAsync().ConfigureAwait(false);
    }

    private static PoolThroughput Parse(string[] args)
    {
        int servers = 4, jobs = 800, jobMs = 100, warmup = 8;
        int? capacity = null;
        var redis = false;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            var n = int.Parse(value, CultureInfo.InvariantCulture);
            switch (args[i - 1])
            {
                case "--servers": servers = n; break;
                case "--jobs": jobs = n; break;
                case "--job-ms": jobMs = n; break;
                case "--warmup": warmup = n; break;
                case "--capacity": capacity = n; break;
                case "--redis": redis = n != 0; break;
                default: throw new ArgumentException($"unknown argument {args[i - 1]}");
            }
        }

        return new PoolThroughput { Servers = servers, Jobs = jobs, JobTime = TimeSpan.FromMilliseconds(jobMs), Warmup = warmup, Capacity = capacity, Redis = redis };
    }

    private async Task<int> RunAsync()
    {
        var emulators = new List<ComfyEmulator>();
        var clients = new List<ComfyClient>();
        try
        {
            for (var i = 0; i < Servers; i++)
            {
                emulators.Add(await ComfyEmulator.StartAsync(new ComfyEmulatorOptions
                {
                    SamplerStepTime = TimeSpan.Zero,
                    NodeDelays = new Dictionary<string, TimeSpan> { ["StringConcatenate"] = JobTime },
                }).ConfigureAwait(false));
            }

            var options = Capacity is { } c ? new ComfyPoolOptions { ServerCapacity = c } : new ComfyPoolOptions();
            await using var redisServer = Redis ? await ComfyUI.Reactive.Redis.Tests.Infrastructure.RedisServer.StartAsync().ConfigureAwait(false) : null;
            await using var distributed = redisServer is null ? null : await ComfyUI.Reactive.Redis.RedisComfyPool.ConnectAsync(
                new ComfyUI.Reactive.Redis.RedisPoolOptions { Redis = redisServer.Options(), Pool = options }).ConfigureAwait(false);
            await using var local = distributed is null ? new ComfyPool(options) : null;
            var pool = distributed?.Pool ?? local!;
            for (var i = 0; i < Servers; i++)
            {
                if (distributed is not null)
                {
                    distributed.AddServer($"emulator-{i + 1}", new ComfyClientOptions { BaseAddress = emulators[i].BaseAddress });
                    continue;
                }

                var client = new ComfyClient(new ComfyClientOptions { BaseAddress = emulators[i].BaseAddress });
                clients.Add(client);
                pool.AddServer(client, $"emulator-{i + 1}");
            }

            Func<Workflow, Task<JobResult>> run = distributed is null
                ? w => pool.RunAsync(w)
                : async w =>
                {
                    var id = await distributed.EnqueueAsync(w).ConfigureAwait(false);
                    return ((JobCompleted)await distributed.Observe(id).LastAsync().ToTask().ConfigureAwait(false)).Result;
                };

            Console.WriteLine($"{Servers} emulators, every job {JobTime.TotalMilliseconds:F0} ms of execution (NodeDelays StringConcatenate), " +
                $"{Jobs} jobs after {Warmup} warm-up, pool capacity {options.ServerCapacity} per server{(Redis ? ", through Redis (RedisComfyPool)" : string.Empty)}");

            // Every server in rotation before the clock starts: joining (socket + capabilities) is not scheduling.
            await pool.Servers
                .Scan(new Dictionary<ServerId, ServerState>(), (states, s) => { states[s.Server] = s.State; return states; })
                .FirstAsync(states => states.Count == Servers && states.Values.All(s => s == ServerState.Ready))
                .ToTask()
                .WaitAsync(TimeSpan.FromSeconds(30))
                .ConfigureAwait(false);

            var template = Workflow.Parse(Template);
            var counter = 0;
            Workflow Next() => template.Set("1.inputs.string_a", $"job {Interlocked.Increment(ref counter)}");

            await Task.WhenAll(Enumerable.Range(0, Warmup).Select(_ => run(Next()))).ConfigureAwait(false);

            // What the process burns with nothing to do (sockets, health probes, timers), to read the per-job CPU against.
            var idleCpu = Process.GetCurrentProcess().TotalProcessorTime;
            await Task.Delay(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
            idleCpu = Process.GetCurrentProcess().TotalProcessorTime - idleCpu;
            Console.WriteLine(FormattableString.Invariant($"idle process CPU: {idleCpu.TotalMilliseconds / 2:F0} ms per second"));

            var workflows = Enumerable.Range(0, Jobs).Select(_ => Next()).ToList();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var clock = Stopwatch.StartNew();
            var results = await Task.WhenAll(workflows.Select(run)).ConfigureAwait(false);
            clock.Stop();
            cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;

            return Report(emulators, results, clock.Elapsed, cpu);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var emulator in emulators)
            {
                await emulator.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private int Report(List<ComfyEmulator> emulators, JobResult[] results, TimeSpan wall, TimeSpan cpu)
    {
        var measured = results.Select(r => r.PromptId).ToHashSet(StringComparer.Ordinal);
        var gaps = new List<double>();
        var durations = new List<double>();
        var executed = 0;
        var duplicates = 0;
        Console.WriteLine();
        Console.WriteLine("| server | jobs | busy (s) | mean execution (ms) | idle gap median (ms) | idle gap max (ms) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        for (var i = 0; i < emulators.Count; i++)
        {
            var timeline = emulators[i].GetExecutions().Where(e => measured.Contains(e.PromptId)).OrderBy(e => e.StartedAt).ToList();
            executed += timeline.Count;
            duplicates += timeline.Count(e => emulators[i].GetExecutionCount(e.PromptId) != 1);
            var serverGaps = timeline.Zip(timeline.Skip(1), (a, b) => (b.StartedAt - a.EndedAt).TotalMilliseconds).ToList();
            gaps.AddRange(serverGaps);
            durations.AddRange(timeline.Select(e => e.Duration.TotalMilliseconds));
            Console.WriteLine(FormattableString.Invariant(
                $"| emulator-{i + 1} | {timeline.Count} | {timeline.Sum(e => e.Duration.TotalSeconds):F2} | {timeline.Average(e => e.Duration.TotalMilliseconds):F2} | {Percentile(serverGaps, 0.5):F3} | {serverGaps.DefaultIfEmpty(0).Max():F3} |"));
        }

        var ideal = Jobs * JobTime.TotalSeconds / emulators.Count;
        var efficiency = ideal / wall.TotalSeconds;
        var gapMedian = Percentile(gaps, 0.5);
        Console.WriteLine();
        Console.WriteLine(FormattableString.Invariant(
            $"wall={wall.TotalSeconds:F3}s ideal={ideal:F3}s jobs/s={Jobs / wall.TotalSeconds:F1} process CPU={cpu.TotalSeconds:F2}s ({cpu.TotalMilliseconds * 1000 / Jobs:F0} us/job)"));
        Console.WriteLine(FormattableString.Invariant(
            $"execution ms: median {Percentile(durations, 0.5):F2} p95 {Percentile(durations, 0.95):F2} max {durations.Max():F2}; server utilisation (busy / wall) {durations.Sum() / 1000 / (wall.TotalSeconds * emulators.Count):F3}"));
        Console.WriteLine(FormattableString.Invariant(
            $"idle gap ms (all servers, {gaps.Count} gaps): median {gapMedian:F3} p90 {Percentile(gaps, 0.9):F3} p99 {Percentile(gaps, 0.99):F3} max {gaps.Max():F3}; over 2 ms: {gaps.Count(g => g > 2)}"));

        var ok = results.Length == Jobs && executed == Jobs && duplicates == 0;
        if (!ok)
        {
            Console.WriteLine($"CHECK FAILED: {results.Length} results, {executed} executions of measured prompts, {duplicates} executed more than once");
        }

        Console.WriteLine(FormattableString.Invariant($"efficiency={efficiency:F3} idle_gap_median_ms={gapMedian:F3}"));
        return ok ? 0 : 1;
    }

    private static double Percentile(List<double> values, double p)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToList();
        return sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }
}
