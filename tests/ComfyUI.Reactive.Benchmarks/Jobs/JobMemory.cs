using System.Diagnostics;
using System.Globalization;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Benchmarks.Jobs;

/// <summary>
/// Memory of tracked jobs (docs/benchmarks.md, "Jobs: memory"; issue 5 asks for less than 2 KB per in-flight job beyond
/// the workflow JSON, and no growth after 100,000 completed jobs). A real <see cref="ComfyClient"/> (dispatcher, REST
/// pipeline, event parser) runs against <see cref="InProcessServer"/>, so the heap holds the client and nothing of a
/// server but one <see cref="Guid"/> per queued prompt. Every job subscribes the same <see cref="Workflow"/> instance and
/// one shared counting observer, so the numbers are what the SDK keeps per job, without the workflow or the caller.
/// </summary>
internal static class JobMemory
{
    private const string Graph = """
        {"1": {"class_type": "StringConcatenate", "inputs": {"string_a": "x", "string_b": "ComfyUI", "delimiter": " "}},
         "2": {"class_type": "PreviewAny", "inputs": {"source": ["1", 0]}}}
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        int inFlight = 10_000, churn = 100_000;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            _ = args[i] switch
            {
                "--inflight" => inFlight = value,
                "--churn" => churn = value,
                _ => throw new ArgumentException($"unknown argument {args[i]}"),
            };
        }

        var server = new InProcessServer();
        var options = new ComfyClientOptions { BaseAddress = new Uri("http://comfy.bench:8188/"), HttpMessageHandler = server };
        await using var comfy = new ComfyClient(options, server, random: null);
        var workflow = Workflow.Parse(Graph);
        var counter = new CountingObserver();
        var tracker = comfy.GetJobTracker();
        Console.WriteLine($"in-process server (no sockets); graph StringConcatenate -> PreviewAny, one shared Workflow; in flight {inFlight}");

        if (Environment.GetEnvironmentVariable("DIAG") == "api")
        {
            for (var round = 0; round < 5; round++)
            {
                for (var i = 0; i < 100_000; i++)
                {
                    await comfy.Api.GetQueueAsync(CancellationToken.None).ConfigureAwait(false);
                }

                Console.WriteLine($"api diag {Retained()}");
            }

            return 0;
        }

        var plain = new JobOptions { ValidateBeforeSubmit = false, TrackQueuePosition = false };
        await ChurnAsync(comfy, workflow, plain, counter, 2_000, 500).ConfigureAwait(false);
        Console.WriteLine($"warm-up: 2000 jobs, tracker count {tracker.Count}");

        Console.WriteLine();
        Console.WriteLine($"| options | retained per in-flight job | allocated per job (submit to queued) | retained after all completed |");
        Console.WriteLine("|---|---:|---:|---:|");
        var variants = new (string Name, JobOptions Options)[]
        {
            ("no validation, no queue position", plain),
            ("defaults (validation, queue position)", new JobOptions()),
            ("defaults + start, inactivity and overall timeouts", new JobOptions
            {
                StartTimeout = TimeSpan.FromMinutes(10), InactivityTimeout = TimeSpan.FromMinutes(10), OverallTimeout = TimeSpan.FromMinutes(10),
            }),
        };
        var worst = 0.0;
        foreach (var (name, jobOptions) in variants)
        {
            var before = Retained();
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            server.Paused = true;
            var accepted = counter.Accepted;
            for (var i = 0; i < inFlight; i++)
            {
                comfy.Run(workflow, jobOptions).Subscribe(counter);
            }

            await WaitAsync(() => counter.Accepted - accepted >= inFlight).ConfigureAwait(false);
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;

            // Let a queue refresh that is still on its way finish, so its buffers are not counted as per-job state.
            await Task.Delay(1500).ConfigureAwait(false);
            var held = Retained();
            if (tracker.Count != inFlight)
            {
                Console.Error.WriteLine($"expected {inFlight} tracked jobs, found {tracker.Count}");
                return 1;
            }

            var completed = counter.Completed;
            server.Paused = false;
            await WaitAsync(() => counter.Completed - completed >= inFlight).ConfigureAwait(false);
            var after = Retained();
            var perJob = (double)(held - before) / inFlight;
            worst = Math.Max(worst, perJob);
            Console.WriteLine(FormattableString.Invariant(
                $"| {name} | {perJob:F0} B | {(double)allocated / inFlight:F0} B | {after - before:+#,0;-#,0;0} B total (tracker count {tracker.Count}) |"));
        }

        Console.WriteLine();
        Console.WriteLine(FormattableString.Invariant($"{churn:#,0} completed jobs (1,000 in flight at a time), defaults; retained heap after a forced full GC:"));
        Console.WriteLine("| completed | retained heap | tracker count | gen2 collections |");
        Console.WriteLine("|---:|---:|---:|---:|");
        var clock = Stopwatch.StartNew();
        var start = Retained();
        Console.WriteLine(FormattableString.Invariant($"| 0 | {start:#,0} B | {tracker.Count} | {GC.CollectionCount(2)} |"));
        var done = 0;
        var samples = new List<long>();
        foreach (var mark in new[] { churn / 10, churn / 2, churn })
        {
            await ChurnAsync(comfy, workflow, new JobOptions(), counter, mark - done, 1_000).ConfigureAwait(false);
            done = mark;
            var retained = Retained();
            samples.Add(retained);
            Console.WriteLine(FormattableString.Invariant($"| {mark:#,0} | {retained:#,0} B | {tracker.Count} | {GC.CollectionCount(2)} |"));
        }

        server.Stop();
        var growth = samples[^1] - samples[0];
        Console.WriteLine(FormattableString.Invariant(
            $"churn: {done} jobs in {clock.Elapsed.TotalSeconds:F1} s; growth from the first to the last mark: {growth:+#,0;-#,0;0} B; errors {counter.Errors}; server executions {server.Executions}"));
        Console.WriteLine(FormattableString.Invariant($"worst retained per in-flight job: {worst:F0} B (target < 2048 B)"));
        return counter.Errors == 0 && tracker.Count == 0 ? 0 : 1;
    }

    private static long Retained()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>Runs <paramref name="count"/> jobs to completion, <paramref name="window"/> at a time.</summary>
    private static async Task ChurnAsync(ComfyClient comfy, Workflow workflow, JobOptions options, CountingObserver counter, int count, int window)
    {
        var target = counter.Completed + count;
        var submitted = 0;
        while (submitted < count)
        {
            var batch = Math.Min(window, count - submitted);
            var goal = counter.Completed + batch;
            for (var i = 0; i < batch; i++)
            {
                comfy.Run(workflow, options).Subscribe(counter);
            }

            submitted += batch;
            await WaitAsync(() => counter.Completed >= goal).ConfigureAwait(false);
        }

        await WaitAsync(() => counter.Completed >= target).ConfigureAwait(false);
    }

    private static async Task WaitAsync(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException("the jobs did not get there in 2 minutes");
            }

            await Task.Delay(1).ConfigureAwait(false);
        }
    }

    /// <summary>One observer for every job: counts acceptances, completions and errors, keeps nothing.</summary>
    private sealed class CountingObserver : IObserver<JobUpdate>
    {
        private long _accepted;
        private long _completed;
        private long _errors;

        public long Accepted => Interlocked.Read(ref _accepted);

        public long Completed => Interlocked.Read(ref _completed);

        public long Errors => Interlocked.Read(ref _errors);

        public void OnNext(JobUpdate value)
        {
            if (value is JobQueued { Position: null })
            {
                Interlocked.Increment(ref _accepted);
            }
        }

        public void OnError(Exception error)
        {
            Interlocked.Increment(ref _errors);
            Interlocked.Increment(ref _completed);
            Console.Error.WriteLine(error.Message);
        }

        public void OnCompleted() => Interlocked.Increment(ref _completed);
    }
}
