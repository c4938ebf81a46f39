using System.Diagnostics;

namespace ComfyUI.Reactive.Benchmarks.WholeProcess;

/// <summary>
/// The moments a child marks while its jobs run, the same way for both clients: when the client handed the first
/// <c>POST /prompt</c> to its HTTP handler (issue 13's "first prompt submitted"), when a server accepted the first prompt
/// (answered that POST), when the first one started, and the process's CPU and JIT count when
/// half of the jobs had finished. CPU from there to the end, per job, is the steady-state cost: by then the hot path
/// has been compiled and tiered up, so start-up and one-time compilation are out of it.
/// </summary>
internal sealed class JobClock(int jobs)
{
    private readonly TaskCompletionSource<DateTime> _firstSent = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<DateTime> _firstAccepted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<DateTime> _firstStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _done;
    private (double CpuMs, long JitMethods, long WorkItems, long Allocated)? _halfway;

    public DateTime SubmittedAt { get; private set; } = DateTime.UtcNow;

    /// <summary>Call right before the first submission.</summary>
    public void Submitting() => SubmittedAt = DateTime.UtcNow;

    public void Sent() => _firstSent.TrySetResult(DateTime.UtcNow);

    public void Accepted() => _firstAccepted.TrySetResult(DateTime.UtcNow);

    public void Started() => _firstStarted.TrySetResult(DateTime.UtcNow);

    /// <summary>Counts a finished job; true for the last one.</summary>
    public bool Finished()
    {
        var done = Interlocked.Increment(ref _done);
        if (done == jobs / 2 && jobs >= 2)
        {
            using var self = Process.GetCurrentProcess();
            _halfway = (self.TotalProcessorTime.TotalMilliseconds, System.Runtime.JitInfo.GetCompiledMethodCount(), ThreadPool.CompletedWorkItemCount, GC.GetTotalAllocatedBytes());
        }

        return done == jobs;
    }

    /// <summary>What the sample reports: first accepted and first started after the first submission, and the steady
    /// state (CPU per job, methods compiled and thread-pool work items per job over the second half: each work item is
    /// a hop from one thread to another, which costs a wake-up and often a context switch; and bytes allocated per job).</summary>
    public async Task<SteadyState> ReadAsync(double cpuMsNow, long jitMethodsNow)
    {
        var workItemsNow = ThreadPool.CompletedWorkItemCount;
        var allocatedNow = GC.GetTotalAllocatedBytes();
        if (jobs == 0)
        {
            return new SteadyState(null, null, null, null, null, null, null);
        }

        var sent = await _firstSent.Task.ConfigureAwait(false) - SubmittedAt;
        var accepted = await _firstAccepted.Task.ConfigureAwait(false) - SubmittedAt;
        var started = await _firstStarted.Task.ConfigureAwait(false) - SubmittedAt;
        var steadyJobs = (double)(jobs - (jobs / 2));
        return _halfway is { } half
            ? new SteadyState(
                sent,
                accepted,
                started,
                (cpuMsNow - half.CpuMs) / steadyJobs,
                jitMethodsNow - half.JitMethods,
                (workItemsNow - half.WorkItems) / steadyJobs,
                (allocatedNow - half.Allocated) / 1024.0 / steadyJobs)
            : new SteadyState(sent, accepted, started, null, null, null, null);
    }

    public sealed record SteadyState(
        TimeSpan? FirstSent, TimeSpan? FirstAccepted, TimeSpan? FirstStarted, double? CpuPerJobMs, long? JitMethods, double? WorkItemsPerJob, double? AllocatedKbPerJob);
}
