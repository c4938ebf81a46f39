using System.Collections.Concurrent;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Events;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Workflows;
using Microsoft.Reactive.Testing;

namespace ComfyUI.Reactive.IntegrationTests.Guides;

/// <summary>docs/testing.md: one emulator (and one client) shared by every test of a class.</summary>
public sealed class SharedEmulator : IAsyncLifetime
{
    public ComfyEmulator Server { get; private set; } = null!;

    public ComfyClient Comfy { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.Zero });
        Comfy = new ComfyClient(Server.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        await Comfy.DisposeAsync();
        await Server.DisposeAsync();
    }
}

/// <summary>docs/testing.md, "Share one emulator": tests of one class run one after another on the shared server.</summary>
public sealed class SharedEmulatorTests : IClassFixture<SharedEmulator>
{
    private static readonly TimeSpan Wait = GettingStartedTests.Wait;
    private readonly SharedEmulator _shared;

    public SharedEmulatorTests(SharedEmulator shared)
    {
        _shared = shared;
        shared.Server.Faults.Reset();   // knobs survive between tests; start each one clean
    }

    // A prompt text of its own, so the server's output cache never carries over from another test.
    private static Workflow UniqueTxt2Img() => Workflow.Load(GettingStartedTests.Txt2Img)
        .Set("6.inputs.text", $"test {Guid.NewGuid()}")
        .SetByClass("KSampler", "steps", 2)
        .Output("image", "9");

    [Fact]
    public async Task RunTwice_SameWorkflow_EachPromptExecutesOnceAndTheSecondComesFromTheCache()
    {
        var workflow = UniqueTxt2Img();   // fixed seed: the second run is fully cached

        var first = await _shared.Comfy.RunAsync(workflow).WaitAsync(Wait);
        var secondUpdates = await _shared.Comfy.Run(workflow).ToList().ToTask().WaitAsync(Wait);
        var second = secondUpdates.OfType<JobCompleted>().Single().Result;

        Assert.Equal(1, _shared.Server.GetExecutionCount(first.PromptId));
        Assert.Equal(1, _shared.Server.GetExecutionCount(second.PromptId));
        Assert.Contains("3", secondUpdates.OfType<JobCached>().Single().Nodes);
        Assert.Equal(first["image"].Images[0].FileName, second["image"].Images[0].FileName);   // same shape, same file
    }

    [Fact]
    public async Task FailNode_OnTheSharedServer_FailsOnlyWhileSet()
    {
        _shared.Server.Faults.FailNode("VAEDecode", "decoder exploded");

        var ex = await Assert.ThrowsAsync<ComfyExecutionException>(() => _shared.Comfy.RunAsync(UniqueTxt2Img()).WaitAsync(Wait));
        _shared.Server.Faults.Reset();
        var after = await _shared.Comfy.RunAsync(UniqueTxt2Img()).WaitAsync(Wait);

        Assert.Equal("VAEDecode", ex.NodeType);
        Assert.Single(after.Images);
    }
}

/// <summary>docs/testing.md, "Resilience": fault knobs, and execution counts that prove nothing ran twice.</summary>
public sealed class ResilienceGuideTests
{
    private static readonly TimeSpan Wait = GettingStartedTests.Wait;

    private static Workflow Txt2Img(int steps) => Workflow.Load(GettingStartedTests.Txt2Img).SetByClass("KSampler", "steps", steps);

    [Fact]
    public async Task SubmitFailsOnceWith503_RetryTwo_SucceedsAndTheServerRanItOnce()
    {
        await using var server = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.Zero });
        await using var comfy = new ComfyClient(server.BaseAddress);
        server.Faults.FailRoute("/prompt", 503, count: 1);
        var errors = new ConcurrentQueue<Exception>();

        JobResult result = await comfy.Run(Txt2Img(steps: 2))
            .Do(_ => { }, errors.Enqueue)
            .Retry(2)
            .OfType<JobCompleted>()
            .Select(completed => completed.Result)
            .FirstAsync()
            .ToTask()
            .WaitAsync(Wait);

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, Assert.IsType<ComfyApiException>(Assert.Single(errors)).StatusCode);
        Assert.Equal(1, server.GetExecutionCount(result.PromptId));
        Assert.Equal(1, server.TotalExecutions);   // the rejected submission never reached the queue
    }

    [Fact]
    public async Task SocketsDroppedMidJob_JobCompletesWithoutResubmitting()
    {
        await using var server = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.FromMilliseconds(20) });
        await using var comfy = new ComfyClient(new ComfyClientOptions
        {
            BaseAddress = server.BaseAddress,
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(50),   // reconnect fast in tests
        });
        var states = new ConcurrentQueue<ConnectionState>();
        using var watch = comfy.Connection.Subscribe(states.Enqueue);
        var progressed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = comfy.Run(Txt2Img(steps: 20))
            .Do(u => { if (u is JobProgress { Value: > 0 }) { progressed.TrySetResult(); } })
            .OfType<JobCompleted>()
            .Select(completed => completed.Result)
            .FirstAsync()
            .ToTask();
        await progressed.Task.WaitAsync(Wait);

        server.Faults.DropAllSockets();
        var result = await run.WaitAsync(Wait);

        Assert.Contains(ConnectionState.Reconnecting, states);
        Assert.Single(result.Images);
        Assert.Equal(1, server.GetExecutionCount(result.PromptId));
        Assert.Equal(1, server.TotalExecutions);
    }

    [Fact]
    public async Task SlowResponses_BeyondRequestTimeout_ThrowTimeoutWithPhaseRequest()
    {
        await using var server = await ComfyEmulator.StartAsync();
        await using var comfy = new ComfyClient(new ComfyClientOptions
        {
            BaseAddress = server.BaseAddress,
            RequestTimeout = TimeSpan.FromMilliseconds(200),
        });
        server.Faults.SlowResponses(TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAsync<ComfyTimeoutException>(() => comfy.Api.GetQueueAsync().WaitAsync(Wait));

        Assert.Equal("request", ex.Phase);
        Assert.Equal(TimeSpan.FromMilliseconds(200), ex.Limit);
    }
}

/// <summary>docs/testing.md, "Virtual time": job limits on a TestScheduler, against the real emulator.</summary>
public sealed class VirtualTimeGuideTests
{
    private static readonly TimeSpan Wait = GettingStartedTests.Wait;

    [Fact]
    public async Task StartTimeout_OnATestScheduler_AdvancedTheInstantJobQueuedArrives_FiresAtTheLimitAndDeletesThePrompt()
    {
        var scheduler = new TestScheduler();
        await using var server = await ComfyEmulator.StartAsync();
        await using var comfy = new ComfyClient(new ComfyClientOptions { BaseAddress = server.BaseAddress, Scheduler = scheduler });
        server.Faults.PauseQueue();                                  // accepted, never started
        var queued = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var failed = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var job = comfy.Run(Workflow.Load(GettingStartedTests.Txt2Img), new JobOptions { StartTimeout = TimeSpan.FromMinutes(2) })
            .Subscribe(u => { if (u is JobQueued) { queued.TrySetResult(); } }, e => failed.TrySetResult(e));
        await queued.Task.WaitAsync(Wait);                           // the timer was armed before JobQueued was delivered

        scheduler.AdvanceBy(TimeSpan.FromMinutes(2).Ticks - 1);
        Assert.False(failed.Task.IsCompleted);
        scheduler.AdvanceBy(1);

        var ex = Assert.IsType<ComfyTimeoutException>(await failed.Task.WaitAsync(Wait));
        Assert.Equal("start", ex.Phase);
        Assert.Equal(TimeSpan.FromMinutes(2), ex.Limit);
        Assert.Equal(0, (await comfy.Api.GetQueueAsync()).Pending.Count);   // deleted before the job failed
        server.Faults.ResumeQueue();
        Assert.Equal(0, server.TotalExecutions);
    }

    [Fact]
    public async Task OverallTimeout_OnATestScheduler_FiresExactlyAtTheLimitAndDeletesTheQueuedPrompt()
    {
        var scheduler = new TestScheduler();
        await using var server = await ComfyEmulator.StartAsync();
        await using var comfy = new ComfyClient(new ComfyClientOptions { BaseAddress = server.BaseAddress, Scheduler = scheduler });
        server.Faults.PauseQueue();                                  // accepted, never started
        var queued = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var failed = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var job = comfy.Run(Workflow.Load(GettingStartedTests.Txt2Img), new JobOptions { OverallTimeout = TimeSpan.FromMinutes(10) })
            .Subscribe(u => { if (u is JobQueued) { queued.TrySetResult(); } }, e => failed.TrySetResult(e));
        await queued.Task.WaitAsync(Wait);                           // sockets and HTTP are real: wait for them in real time
        var emptied = comfy.Status.FirstAsync(s => s.QueueRemaining == 0).ToTask();

        scheduler.AdvanceBy(TimeSpan.FromMinutes(10).Ticks - 1);     // ten virtual minutes, in microseconds
        Assert.False(failed.Task.IsCompleted);
        scheduler.AdvanceBy(1);

        var ex = Assert.IsType<ComfyTimeoutException>(await failed.Task.WaitAsync(Wait));
        Assert.Equal("overall", ex.Phase);
        Assert.Equal(TimeSpan.FromMinutes(10), ex.Limit);
        await emptied.WaitAsync(Wait);                               // the job deleted its prompt from the queue
        server.Faults.ResumeQueue();
        Assert.Equal(0, server.TotalExecutions);
    }
}

/// <summary>docs/testing.md, "Recorded frames": ComfyEventParser on frames copied from a real ComfyUI 0.3.64.</summary>
public sealed class RecordedFramesGuideTests
{
    [Fact]
    public void ParseText_RecordedFrames_GiveTypedEvents()
    {
        var progress = ComfyEventParser.ParseText(
            """{"type": "progress", "data": {"value": 1, "max": 3, "prompt_id": "88cc1d7b-7c78-4b6c-b4fb-894b0c5a5a0d", "node": "2"}}""");
        var executed = ComfyEventParser.ParseText(
            """{"type": "executed", "data": {"node": "3", "display_node": "3", "output": {"images": [{"filename": "sdk_basic_00001_.png", "subfolder": "", "type": "output"}]}, "prompt_id": "8248c8f1-47af-4b62-b274-5f540f8929e9"}}""");
        var custom = ComfyEventParser.ParseText("""{"type": "my_node.status", "data": {"ok": true}}""");

        Assert.Equal(new ProgressEvent(1, 3, "88cc1d7b-7c78-4b6c-b4fb-894b0c5a5a0d", "2"), progress);
        Assert.Equal("sdk_basic_00001_.png", Assert.IsType<ExecutedEvent>(executed).Output!.Images[0].Filename);
        Assert.True(Assert.IsType<UnknownEvent>(custom).Data.GetProperty("ok").GetBoolean());
        Assert.Throws<ComfyProtocolException>(() => ComfyEventParser.ParseText("""{"type": "status", "data": {"""));
    }

    [Fact]
    public void ParseBinary_LegacyPreviewFrame_IsAnImageWithoutIds()
    {
        byte[] jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        byte[] frame = [0, 0, 0, 1, 0, 0, 0, 1, .. jpeg];        // type 1, format 1 (JPEG), then the image

        var preview = Assert.IsType<PreviewImageEvent>(ComfyEventParser.ParseBinary(frame));

        Assert.Equal("image/jpeg", preview.MimeType);
        Assert.Equal(jpeg, preview.Image.ToArray());
        Assert.False(preview.HasMetadata);
        Assert.Null(preview.PromptId);
        Assert.Throws<ComfyProtocolException>(() => ComfyEventParser.ParseBinary(new byte[] { 0, 0, 0, 1, 0 }));
    }
}
