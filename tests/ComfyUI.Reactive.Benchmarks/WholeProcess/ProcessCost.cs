using System.Diagnostics;
using System.Globalization;
using ComfyUI.Reactive.Emulator;

namespace ComfyUI.Reactive.Benchmarks.WholeProcess;

/// <summary>
/// Whole-process cost as users pay it (issue 13): a minimal raw-protocol client and the SDK's pool, each run as its own
/// process against the same emulators, interleaved (raw, sdk, raw, sdk, ...) so that both see the same machine, for
/// several job counts (0 jobs is start-up alone; the difference between counts is the per-job cost). The emulators run
/// in this parent process, so the children's CPU is only the client's.
/// </summary>
internal sealed class ProcessCost
{
    private const string Workflow = """
        {"1": {"class_type": "StringConcatenate", "inputs": {"string_a": "x", "string_b": "ComfyUI", "delimiter": " "}},
         "2": {"class_type": "PreviewAny", "inputs": {"source": ["1", 0]}}}
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        int servers = 3, jobMs = 200, repeats = 3;
        var counts = new[] { 0, 120, 1000 };
        var kinds = new[] { "raw", "sdk" };
        var childEnvironment = new Dictionary<string, string>(StringComparer.Ordinal);
        string? readyToRunDll = null, packageDll = null;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--servers": servers = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--job-ms": jobMs = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--repeats": repeats = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--jobs": counts = [.. args[i + 1].Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture))]; break;
                case "--kinds": kinds = args[i + 1].Split(','); break;
                case "--r2r-dll": readyToRunDll = Path.GetFullPath(args[i + 1]); break;
                case "--pkg-dll": packageDll = Path.GetFullPath(args[i + 1]); break;
                case "--child-env":
                    var pair = args[i + 1].Split('=', 2);
                    childEnvironment[pair[0]] = pair[1];
                    break;
                default:
                    Console.Error.WriteLine($"unknown argument {args[i]}");
                    return 2;
            }
        }

        var emulators = new List<ComfyEmulator>();
        try
        {
            for (var i = 0; i < servers; i++)
            {
                emulators.Add(await ComfyEmulator.StartAsync(new ComfyEmulatorOptions
                {
                    SamplerStepTime = TimeSpan.Zero,
                    NodeDelays = new Dictionary<string, TimeSpan> { ["StringConcatenate"] = TimeSpan.FromMilliseconds(jobMs) },
                }).ConfigureAwait(false));
            }

            var urls = string.Join(',', emulators.Select(e => e.BaseAddress.ToString()));
            Console.WriteLine(FormattableString.Invariant(
                $"{servers} emulators in the parent process, jobs of {jobMs} ms, kinds {string.Join("/", kinds)} interleaved, {repeats} runs each; medians"));
            var samples = new List<ProcessSample>();
            foreach (var jobs in counts)
            {
                for (var r = 0; r < repeats; r++)
                {
                    // Alternate which kind goes first, so neither always meets a warmer machine.
                    foreach (var kind in r % 2 == 0 ? kinds : kinds.Reverse())
                    {
                        var sample = (await RunChildAsync(ChildKind.Parse(kind, readyToRunDll, packageDll), urls, jobs, childEnvironment).ConfigureAwait(false)) with { Kind = kind };
                        samples.Add(sample);
                        Console.Error.WriteLine(FormattableString.Invariant(
                            $"  {kind} {jobs} jobs: cpu {sample.CpuMs:F0} ms, rss {sample.PeakRssMb:F0} MB, ready {sample.ReadyMs:F0} ms, sent {sample.FirstSentMs:F0} ms, accepted {sample.FirstAcceptedMs:F0} ms, first {sample.FirstPromptMs:F0} ms, wall {sample.WallMs:F0} ms, jit {sample.JitMethods} methods {sample.JitMs:F0} ms, steady {sample.SteadyCpuPerJobMs:F2} ms/job {sample.SteadyJitMethods} methods {sample.SteadyWorkItemsPerJob:F1} work items/job {sample.SteadyAllocatedKbPerJob:F0} KB/job, live heap {sample.LiveHeapMb:F1} MB"));
                    }
                }
            }

            Report(samples, counts, kinds);
            return 0;
        }
        finally
        {
            foreach (var emulator in emulators)
            {
                await emulator.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>The child's side: runs one kind and prints its sample.</summary>
    public static async Task<int> RunChildAsync(string[] args)
    {
        var kind = args[0];
        var urls = args[1].Split(',').Select(u => new Uri(u)).ToList();
        var jobs = int.Parse(args[2], CultureInfo.InvariantCulture);
        var sample = kind == "raw"
            ? await RawClientProcess.RunAsync(urls, jobs, Workflow).ConfigureAwait(false)
            : await SdkPoolProcess.RunAsync(urls, jobs, Workflow).ConfigureAwait(false);
        Console.WriteLine(sample.ToLine());
        return 0;
    }

    private static async Task<ProcessSample> RunChildAsync(ChildKind kind, string urls, int jobs, Dictionary<string, string> environment)
    {
        var self = Environment.ProcessPath!;
        var info = new ProcessStartInfo(kind.Dll is null ? self : "dotnet") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var (name, value) in environment.Concat(kind.Environment))
        {
            info.Environment[name] = value;
        }

        if (kind.Dll is { } dll)
        {
            info.ArgumentList.Add(dll);
        }
        else if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            info.ArgumentList.Add(typeof(ProcessCost).Assembly.Location);
        }

        foreach (var arg in new[] { "process-child", kind.Client, urls, jobs.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(arg);
        }

        using var child = System.Diagnostics.Process.Start(info)!;
        ProcessSample? sample = null;
        while (await child.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            sample ??= ProcessSample.TryParse(line);
        }

        await child.WaitForExitAsync().ConfigureAwait(false);
        return sample ?? throw new InvalidOperationException($"the {kind} child exited with {child.ExitCode} and no sample");
    }

    private static void Report(List<ProcessSample> samples, int[] counts, string[] kinds)
    {
        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Order().ToList();
            return sorted.Count == 0 ? double.NaN : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
        }

        Console.WriteLine();
        Console.WriteLine("| jobs | client | CPU user+sys (ms) | peak RSS (MB) | live heap (MB) | start to ready (ms) | first sent (ms) | first accepted (ms) | first prompt (ms) | wall (ms) | JIT methods | JIT (ms) | steady CPU/job (ms) | steady JIT methods | steady thread hops/job | steady KB allocated/job | CPU vs raw | RSS vs raw |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var jobs in counts)
        {
            var raw = samples.Where(s => s.Jobs == jobs && s.Kind == "raw").ToList();
            foreach (var kind in kinds)
            {
                var of = samples.Where(s => s.Jobs == jobs && s.Kind == kind).ToList();
                var cpu = Median(of.Select(s => s.CpuMs));
                var rss = Median(of.Select(s => s.PeakRssMb));
                var live = Median(of.Select(s => s.LiveHeapMb));
                string OrDash(Func<ProcessSample, double?> value, string format) =>
                    jobs == 0 ? "-" : Median(of.Select(s => value(s) ?? double.NaN)).ToString(format, CultureInfo.InvariantCulture);
                var sent = OrDash(s => s.FirstSentMs, "F0");
                var accepted = OrDash(s => s.FirstAcceptedMs, "F0");
                var first = OrDash(s => s.FirstPromptMs, "F0");
                var steadyCpu = OrDash(s => s.SteadyCpuPerJobMs, "F2");
                var steadyJit = OrDash(s => s.SteadyJitMethods, "F0");
                var steadyHops = OrDash(s => s.SteadyWorkItemsPerJob, "F1");
                var steadyAlloc = OrDash(s => s.SteadyAllocatedKbPerJob, "F0");
                var ready = Median(of.Select(s => s.ReadyMs));
                var wall = Median(of.Select(s => s.WallMs));
                var cpuRatio = cpu / Median(raw.Select(s => s.CpuMs));
                var rssRatio = rss / Median(raw.Select(s => s.PeakRssMb));
                var jitMethods = Median(of.Select(s => (double)s.JitMethods));
                var jitMs = Median(of.Select(s => s.JitMs));
                Console.WriteLine(FormattableString.Invariant(
                    $"| {jobs} | {kind} | {cpu:F0} | {rss:F0} | {live:F1} | {ready:F0} | {sent} | {accepted} | {first} | {wall:F0} | {jitMethods:F0} | {jitMs:F0} | {steadyCpu} | {steadyJit} | {steadyHops} | {steadyAlloc} | {cpuRatio:F2} | {rssRatio:F2} |"));
            }
        }
    }
}
