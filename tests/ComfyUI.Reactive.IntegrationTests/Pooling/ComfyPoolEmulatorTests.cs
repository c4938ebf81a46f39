using System.Diagnostics;
using System.Net.Http.Json;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Events;
using ComfyUI.Reactive.IntegrationTests.Jobs;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Pooling;
using ComfyUI.Reactive.Workflows;
using Xunit.Abstractions;

namespace ComfyUI.Reactive.IntegrationTests.Pooling;

/// <summary>A <see cref="ComfyPool"/> over real emulators: failover on kills, start timeouts, affinity, cancellation.</summary>
public sealed class ComfyPoolEmulatorTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private readonly PoolHarness _h = new();

    public Task InitializeAsync() => Task.CompletedTask;

    // IAsyncLifetime, not IAsyncDisposable: xunit 2 never calls a test class's DisposeAsync (emulators and pools leaked).
    public Task DisposeAsync() => _h.DisposeAsync().AsTask();

    [Fact]
    public async Task Run_SixtyJobsOneOfThreeServersKilledAndRestarted_EveryJobCompletesExactlyOnce()
    {
        var emulators = await _h.StartManyAsync(3, new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.FromMilliseconds(4), SamplerPreviews = false });
        await _h.AddAndWaitReadyAsync(emulators);
        var wf = JobHarness.Load("txt2img_sd15");
        var completed = 0;
        var tenDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thirtyDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var jobs = Enumerable.Range(0, 60).Select(i => JobRecording.Start(_h.Pool.Run(wf.Set("3.inputs.seed", i)))).ToList();
        foreach (var job in jobs)
        {
            _ = job.Ended.ContinueWith(_ =>
            {
                var n = Interlocked.Increment(ref completed);
                if (n >= 10)
                {
                    tenDone.TrySetResult();
                }

                if (n >= 30)
                {
                    thirtyDone.TrySetResult();
                }
            }, TaskScheduler.Default);
        }

        await tenDone.Task.WaitAsync(Bound);
        await emulators[1].StopAsync();
        await thirtyDone.Task.WaitAsync(Bound);
        await emulators[1].RestartAsync();
        await Task.WhenAll(jobs.Select(j => j.Ended)).WaitAsync(Bound);

        Assert.All(jobs, job =>
        {
            Assert.Null(job.Error);
            Assert.Equal(1, job.Terminals);
            Assert.Single(job.Updates.OfType<JobCompleted>());
            var result = job.Result!;
            Assert.NotNull(result.Pool);
            Assert.Equal(1, emulators.Sum(e => e.GetExecutionCount(result.PromptId)));
        });
        Assert.Equal(60, jobs.Select(j => j.Result!.PromptId).Distinct().Count());

        // At-least-once execution, bounded: only the prompt running on the killed server can have run twice.
        var executions = emulators.Sum(e => e.TotalExecutions);
        output.WriteLine($"executions={executions} retried={jobs.Count(j => j.Result!.Pool!.Attempts > 1)}");
        Assert.InRange(executions, 60, 61);
    }

    [Fact]
    public async Task Run_ServerKilledMidJob_RedispatchedWithinTwoSecondsAndOneResult()
    {
        var emulators = await _h.StartManyAsync(2, new ComfyEmulatorOptions
        {
            NodeDelays = new Dictionary<string, TimeSpan> { ["ImageBlur"] = TimeSpan.FromMilliseconds(500) },
        });
        var ids = await _h.AddAndWaitReadyAsync(emulators);
        var job = JobRecording.Start(_h.Pool.Run(JobHarness.Load("slow_blur_chain")));

        var started = await job.WaitForAsync<JobStarted>();
        var victim = started.Server!;
        var survivor = ids.Single(id => id != victim);
        var clock = Stopwatch.StartNew();
        await emulators[ids.IndexOf(victim)].StopAsync();
        var moved = await job.WaitForAsync<JobQueued>(q => q.Server == survivor);
        var redispatch = clock.Elapsed;
        output.WriteLine($"re-dispatched {redispatch.TotalMilliseconds:F0} ms after the kill");
        await job.EndedAsync();

        Assert.True(redispatch < TimeSpan.FromSeconds(2), $"Re-dispatched {redispatch.TotalMilliseconds:F0} ms after the kill.");
        Assert.Null(job.Error);
        Assert.Equal(1, job.Terminals);
        Assert.Equal(survivor, job.Result!.Pool!.Server);
        Assert.Equal(2, job.Result.Pool.Attempts);
        Assert.Equal(moved.PromptId, job.Result.PromptId);
        Assert.Equal(1, emulators[ids.IndexOf(survivor)].GetExecutionCount(job.Result.PromptId));
    }

    [Fact]
    public async Task Run_SocketDroppedButHttpAnswers_JobStaysAndCompletesOnItsServer()
    {
        var emulators = await _h.StartManyAsync(2, new ComfyEmulatorOptions
        {
            NodeDelays = new Dictionary<string, TimeSpan> { ["ImageBlur"] = TimeSpan.FromMilliseconds(300) },
        });
        var ids = await _h.AddAndWaitReadyAsync(emulators);
        var job = JobRecording.Start(_h.Pool.Run(JobHarness.Load("slow_blur_chain")));

        var started = await job.WaitForAsync<JobStarted>();
        emulators[ids.IndexOf(started.Server!)].Faults.DropAllSockets();
        await job.EndedAsync();

        Assert.Null(job.Error);
        Assert.Equal(1, job.Result!.Pool!.Attempts);
        Assert.Equal(started.Server, job.Result.Pool.Server);
        Assert.Equal(started.PromptId, job.Result.PromptId);
        Assert.DoesNotContain(job.Updates, u => u.Server != started.Server);
    }

    [Fact]
    public async Task Run_StartTimeoutOnBlockedServer_DeletedThereBeforeRunningElsewhere()
    {
        var emulators = await _h.StartManyAsync(2);
        emulators[0].Faults.PauseQueue();
        var blocked = (await _h.AddAndWaitReadyAsync([emulators[0]]))[0];
        var job = JobRecording.Start(_h.Pool.Run(
            JobHarness.Load("basic_empty_invert_save"),
            new PoolJobOptions { Job = new JobOptions { StartTimeout = TimeSpan.FromSeconds(1) } }));

        var first = await job.WaitForAsync<JobQueued>(q => q.Server == blocked);
        var free = (await _h.AddAndWaitReadyAsync([emulators[1]]))[0];
        await job.EndedAsync();

        Assert.Null(job.Error);
        Assert.Equal(free, job.Result!.Pool!.Server);
        Assert.Equal(2, job.Result.Pool.Attempts);
        using var http = new HttpClient { BaseAddress = emulators[0].BaseAddress };
        var queue = await http.GetFromJsonAsync<JsonObject>("/queue");
        Assert.Empty(queue!["queue_pending"]!.AsArray());

        // Unblocked, the old server must not run the first copy: a marker prompt after it runs, the first copy never does.
        emulators[0].Faults.ResumeQueue();
        await using var direct = _h.Client(emulators[0]);
        await direct.RunAsync(JobHarness.Load("text_preview_any")).WaitAsync(Bound);
        Assert.Equal(0, emulators[0].GetExecutionCount(first.PromptId));
        Assert.Equal(1, emulators[1].GetExecutionCount(job.Result.PromptId));
    }

    [Fact]
    public async Task Run_ServersMissingANodeOrACheckpoint_NeverGetJobsThatNeedThem()
    {
        var noBlur = await _h.StartAsync(new ComfyEmulatorOptions { ExcludedNodes = ["ImageBlur"], SamplerStepTime = TimeSpan.FromMilliseconds(1) });
        var otherCheckpoint = await _h.StartAsync(new ComfyEmulatorOptions { Checkpoints = ["other.safetensors"], SamplerStepTime = TimeSpan.FromMilliseconds(1) });
        var full = await _h.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.FromMilliseconds(1) });
        var ids = await _h.AddAndWaitReadyAsync([noBlur, otherCheckpoint, full]);
        var blur = JobHarness.Load("slow_blur_chain");
        var txt2img = JobHarness.Load("txt2img_sd15");

        var blurJobs = Enumerable.Range(0, 8).Select(i => _h.Pool.RunAsync(blur.Set("1.inputs.color", i))).ToList();
        var checkpointJobs = Enumerable.Range(0, 8).Select(i => _h.Pool.RunAsync(txt2img.Set("3.inputs.seed", i))).ToList();
        var blurResults = await Task.WhenAll(blurJobs).WaitAsync(Bound);
        var checkpointResults = await Task.WhenAll(checkpointJobs).WaitAsync(Bound);

        Assert.All(blurResults, r => Assert.NotEqual(ids[0], r.Pool!.Server));
        Assert.All(checkpointResults, r => Assert.NotEqual(ids[1], r.Pool!.Server));
        Assert.All(blurResults, r => Assert.Equal(0, noBlur.GetExecutionCount(r.PromptId)));
        Assert.All(checkpointResults, r => Assert.Equal(0, otherCheckpoint.GetExecutionCount(r.PromptId)));
        Assert.Equal(0, noBlur.TotalExecutions - checkpointResults.Count(r => r.Pool!.Server == ids[0]));
        Assert.Equal(0, otherCheckpoint.TotalExecutions - blurResults.Count(r => r.Pool!.Server == ids[1]));
    }

    [Fact]
    public async Task Run_ServerTurnsOutToLackTheNode_CapabilitiesReReadAndJobFailsOver()
    {
        var lacking = await _h.StartAsync(new ComfyEmulatorOptions { ExcludedNodes = ["ImageBlur"] });
        var full = await _h.StartAsync(new ComfyEmulatorOptions());
        var ids = await _h.AddAndWaitReadyAsync([lacking, full]);

        // Stale capabilities: the pool believes the lacking server has every node (as before an uninstall).
        var believed = await ServerCapabilities.FetchAsync(_h.Clients[1].Api, null, CancellationToken.None).WaitAsync(Bound);
        Assert.True(_h.Pool.Scheduler.SetCapabilities(ids[0], believed));
        var first = await _h.Pool.RunAsync(JobHarness.Load("slow_blur_chain")).WaitAsync(Bound);
        var second = await _h.Pool.RunAsync(JobHarness.Load("slow_blur_chain").Set("1.inputs.color", 1)).WaitAsync(Bound);

        Assert.Equal(ids[1], first.Pool!.Server);
        Assert.Equal(2, first.Pool.Attempts);
        Assert.Equal(ids[1], second.Pool!.Server);
        Assert.Equal(1, second.Pool.Attempts);
        Assert.Equal(0, lacking.TotalExecutions);
    }

    [Fact]
    public async Task Run_NoServerCanRunIt_FailsAtOnceWithEachServersReason()
    {
        var a = await _h.StartAsync(new ComfyEmulatorOptions { ExcludedNodes = ["ImageBlur"] });
        var b = await _h.StartAsync(new ComfyEmulatorOptions { ExcludedNodes = ["ImageBlur"], Checkpoints = ["x.safetensors"] });
        var ids = await _h.AddAndWaitReadyAsync([a, b]);

        var error = await Assert.ThrowsAsync<ComfyNoCapableServerException>(() => _h.Pool.RunAsync(JobHarness.Load("slow_blur_chain")).WaitAsync(Bound));

        Assert.Equal(ids.ToHashSet(), error.Reasons.Keys.ToHashSet());
        Assert.All(error.Reasons.Values, reason => Assert.Contains("ImageBlur", reason, StringComparison.Ordinal));
        Assert.Equal(0, a.TotalExecutions + b.TotalExecutions);
    }

    [Fact]
    public async Task Subscription_DisposedWhileQueuedInPool_NeverSubmitted()
    {
        var emulator = await _h.StartAsync(new ComfyEmulatorOptions
        {
            NodeDelays = new Dictionary<string, TimeSpan> { ["ImageBlur"] = TimeSpan.FromMilliseconds(100) },
        });
        await using var pool = new ComfyPool(new ComfyPoolOptions { ServerCapacity = 1 });
        var id = pool.AddServer(_h.Client(emulator));
        await pool.Servers.FirstAsync(s => s.Server == id && s.State == ServerState.Ready).ToTask().WaitAsync(Bound);

        var running = JobRecording.Start(pool.Run(JobHarness.Load("slow_blur_chain")));
        await running.WaitForAsync<JobStarted>();
        var waiting = JobRecording.Start(pool.Run(JobHarness.Load("text_preview_any")));
        waiting.Subscription.Dispose();
        await running.EndedAsync();
        var after = await pool.RunAsync(JobHarness.Load("basic_empty_invert_save")).WaitAsync(Bound);

        Assert.Empty(waiting.Updates);
        Assert.Equal(0, waiting.Terminals);
        Assert.Equal(2, emulator.TotalExecutions);
        Assert.Equal(1, emulator.GetExecutionCount(after.PromptId));
    }

    [Fact]
    public async Task Subscription_DisposedWhileRunning_InterruptsExactlyThatPrompt()
    {
        var emulator = await _h.StartAsync(new ComfyEmulatorOptions
        {
            NodeDelays = new Dictionary<string, TimeSpan> { ["ImageBlur"] = TimeSpan.FromMilliseconds(200) },
        });
        var id = (await _h.AddAndWaitReadyAsync([emulator]))[0];
        var job = JobRecording.Start(_h.Pool.Run(JobHarness.Load("slow_blur_chain")));
        var started = await job.WaitForAsync<JobStarted>();
        var interrupted = _h.Pool.Events
            .FirstAsync(e => e.Server == id && e.Event is ExecutionInterruptedEvent i && i.PromptId == started.PromptId)
            .ToTask();

        job.Subscription.Dispose();
        await interrupted.WaitAsync(Bound);

        Assert.Equal(0, job.Terminals);
        Assert.Equal(1, emulator.GetExecutionCount(started.PromptId));
    }

    [Fact]
    public async Task Servers_RemovedServer_ReportsRemovedAndItsJobsMoveToTheOthers()
    {
        var emulators = await _h.StartManyAsync(2, new ComfyEmulatorOptions
        {
            NodeDelays = new Dictionary<string, TimeSpan> { ["ImageBlur"] = TimeSpan.FromMilliseconds(200) },
        });
        var ids = await _h.AddAndWaitReadyAsync(emulators);
        var job = JobRecording.Start(_h.Pool.Run(JobHarness.Load("slow_blur_chain")));
        var started = await job.WaitForAsync<JobStarted>();
        var removed = _h.Pool.Servers.FirstAsync(s => s.Server == started.Server && s.State == ServerState.Removed).ToTask();

        Assert.True(await _h.Pool.RemoveServerAsync(started.Server!).WaitAsync(Bound));
        await removed.WaitAsync(Bound);
        await job.EndedAsync();

        Assert.Null(job.Error);
        Assert.NotEqual(started.Server, job.Result!.Pool!.Server);
        Assert.Contains(job.Result.Pool.Server, ids);
        Assert.False(await _h.Pool.RemoveServerAsync(started.Server!));
    }
}
