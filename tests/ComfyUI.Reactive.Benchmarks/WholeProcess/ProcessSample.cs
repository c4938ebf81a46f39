using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace ComfyUI.Reactive.Benchmarks.WholeProcess;

/// <summary>
/// What one client process cost, measured by the process itself and printed as one JSON line on stdout: whole-process
/// CPU (user + system, every thread: JIT, GC, the thread pool, the client), peak resident memory, and the times that a
/// user of a batch tool or a short-lived worker pays.
/// </summary>
/// <param name="Kind"><c>raw</c> or <c>sdk</c> (the parent relabels it with the full kind, e.g. <c>sdk-r2r</c>).</param>
/// <param name="Jobs">Jobs run.</param>
/// <param name="CpuMs">User + system CPU of the whole process from its start to the end of the work.</param>
/// <param name="PeakRssMb">Peak resident set (VmHWM).</param>
/// <param name="ReadyMs">From the process start (as the OS recorded it) to connected and ready to submit.</param>
/// <param name="FirstSentMs">From the first submission (the first <c>Run</c>) to its <c>POST /prompt</c> handed to the
/// HTTP handler: the first prompt submitted, the client's own share. Null without jobs.</param>
/// <param name="FirstAcceptedMs">From the first submission to a server's answer to its <c>POST /prompt</c>. Null without
/// jobs.</param>
/// <param name="FirstPromptMs">From the first submission to the first <c>execution_start</c>; null without jobs.</param>
/// <param name="WallMs">From the process start to the end of the work.</param>
/// <param name="JitMethods">Methods the JIT compiled (<see cref="System.Runtime.JitInfo"/>): what start-up CPU mostly is.</param>
/// <param name="JitMs">Time spent in the JIT, over all threads.</param>
/// <param name="SteadyCpuPerJobMs">CPU per job over the second half of the jobs, when start-up and tier-up are done;
/// null under 2 jobs.</param>
/// <param name="SteadyJitMethods">Methods compiled over that second half.</param>
/// <param name="SteadyWorkItemsPerJob">Thread-pool work items per job over that second half: thread hops.</param>
/// <param name="SteadyAllocatedKbPerJob">Managed allocation per job over that second half.</param>
/// <param name="LiveHeapMb">The managed heap still reachable at the end, after a full compacting collection (measured
/// after everything else): what the client holds on to, as against what the GC had not yet collected.</param>
internal sealed record ProcessSample(
    string Kind, int Jobs, double CpuMs, double PeakRssMb, double ReadyMs, double? FirstSentMs, double? FirstAcceptedMs, double? FirstPromptMs, double WallMs,
    long JitMethods, double JitMs, double? SteadyCpuPerJobMs, long? SteadyJitMethods, double? SteadyWorkItemsPerJob, double? SteadyAllocatedKbPerJob, double LiveHeapMb)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>The prefix of the line a child prints, so the parent finds it among other output.</summary>
    public const string LinePrefix = "PROCESS-SAMPLE ";

    /// <summary>Measures this process now.</summary>
    public static async Task<ProcessSample> MeasureAsync(string kind, int jobs, DateTime readyAt, JobClock clock)
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        var start = self.StartTime.ToUniversalTime();
        var now = DateTime.UtcNow;
        var cpuMs = self.TotalProcessorTime.TotalMilliseconds;
        var jitMethods = System.Runtime.JitInfo.GetCompiledMethodCount();
        var jitMs = System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds;
        var steady = await clock.ReadAsync(cpuMs, jitMethods).ConfigureAwait(false);

        // Off the caller's stack frame before the heap is measured: a frame that awaited the jobs can still report the
        // completed task (and every result under it) as live, which a heap dump taken later shows was no one's.
        await Task.Yield();
        return new ProcessSample(
            kind,
            jobs,
            cpuMs,
            PeakRssBytes() / (1024.0 * 1024.0),
            (readyAt - start).TotalMilliseconds,
            steady.FirstSent?.TotalMilliseconds,
            steady.FirstAccepted?.TotalMilliseconds,
            steady.FirstStarted?.TotalMilliseconds,
            (now - start).TotalMilliseconds,
            jitMethods,
            jitMs,
            steady.CpuPerJobMs,
            steady.JitMethods,
            steady.WorkItemsPerJob,
            steady.AllocatedKbPerJob,
            LiveHeapBytes() / (1024.0 * 1024.0));
    }

    public string ToLine() => LinePrefix + JsonSerializer.Serialize(this, Json);

    public static ProcessSample? TryParse(string line) =>
        line.StartsWith(LinePrefix, StringComparison.Ordinal)
            ? JsonSerializer.Deserialize<ProcessSample>(line[LinePrefix.Length..], Json)
            : null;

    /// <summary>Reachable objects after a full, compacting collection: the heap's size less its free fragments.</summary>
    private static long LiveHeapBytes()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        var info = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        return info.HeapSizeBytes - info.FragmentedBytes;
    }

    /// <summary>VmHWM from /proc (the kernel's own high-water mark of resident memory); the runtime's figure elsewhere.</summary>
    private static long PeakRssBytes()
    {
        const string status = "/proc/self/status";
        if (File.Exists(status))
        {
            foreach (var line in File.ReadLines(status))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }

        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return self.PeakWorkingSet64;
    }
}
