using System.Text.Json.Nodes;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Tests.Jobs;

/// <summary>The job state machine and dispatcher against a fake socket and HTTP API, timers in virtual time.</summary>
public sealed class JobTrackerTests : IAsyncLifetime
{
    private readonly JobTestServer _server = new();

    public Task InitializeAsync() => Task.CompletedTask;

    // IAsyncLifetime, not IAsyncDisposable: xunit 2 never calls a test class's DisposeAsync (emulators and pools leaked).
    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task Run_InvalidArguments_ThrowEagerlyBeforeSubscribe()
    {
        var client = _server.Client();

        Assert.Throws<ArgumentNullException>(() => client.Run(null!));
        Assert.Throws<ArgumentException>(() => client.Run(JobTestServer.Basic, new JobOptions { StartTimeout = TimeSpan.Zero }));
        await client.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => client.Run(JobTestServer.Basic));
    }

    [Fact]
    public void Run_NotSubscribed_SendsNothing()
    {
        var client = _server.Client();

        _ = client.Run(JobTestServer.Basic);

        Assert.Empty(_server.Http.Requests);
        Assert.Empty(_server.Connector.Attempts);
    }

    [Fact]
    public async Task Subscribe_PostsWithClientIdLowercasePromptIdAndApiKey_ApiKeyNeverInToString()
    {
        var client = _server.Client(o => o.ComfyOrgApiKey = "client-wide-secret");
        var options = JobTestServer.NoValidation(new JobOptions { ComfyOrgApiKey = "per-run-secret" });
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, options));
        var queued = await rec.WaitFor<JobQueued>();

        var body = JsonNode.Parse(Assert.Single(_server.Requests("POST", "/prompt")).BodyText)!;
        Assert.Equal("client-1", body["client_id"]!.GetValue<string>());
        Assert.Equal(queued.PromptId, body["prompt_id"]!.GetValue<string>());
        Assert.Equal(Guid.Parse(queued.PromptId).ToString(), queued.PromptId);
        Assert.Equal("per-run-secret", body["extra_data"]!["api_key_comfy_org"]!.GetValue<string>());
        Assert.DoesNotContain("secret", options.ToString(), StringComparison.Ordinal);
        Assert.Null(queued.Position);
    }

    [Fact]
    public async Task Subscribe_EventsArriveBeforeThePostIsAnswered_AreNotLost()
    {
        var client = _server.Client();
        _server.OnPrompt = id =>
        {
            _server.Start(id);
            _server.Executing(id, "1");
        };

        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
        await rec.WaitFor<JobNodeStarted>();

        Assert.Collection(
            rec.Updates,
            u => Assert.IsType<JobQueued>(u),
            u => Assert.IsType<JobStarted>(u),
            u => Assert.Equal("1", Assert.IsType<JobNodeStarted>(u).NodeId));
    }

    [Fact]
    public async Task Events_FullRun_UpdatesInOrderAndOneCompletion()
    {
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic.Output("saved", "3"), JobTestServer.NoValidation()));
        var id = (await rec.WaitFor<JobQueued>()).PromptId;

        _server.Start(id);
        _server.Send("execution_cached", $$"""{"nodes": ["1"], "prompt_id": "{{id}}", "timestamp": 1}""");
        _server.Executing(id, "2");
        _server.Scheduler.AdvanceBy(TimeSpan.FromMilliseconds(30).Ticks);
        _server.Send("progress", $$"""{"value": 1, "max": 2, "prompt_id": "{{id}}", "node": "2"}""");
        _server.Executing(id, "3");
        _server.Executed(id, "3", JobTestServer.ImageOutput("a.png"));
        _server.Finish(id);
        await rec.Ended;

        Assert.Null(rec.Error);
        Assert.Equal(1, rec.Terminals);
        var nodeStarted = rec.Updates.OfType<JobNodeStarted>().First();
        Assert.Equal(("2", "ImageInvert", "Invert it"), (nodeStarted.NodeId, nodeStarted.ClassType, nodeStarted.Title));
        Assert.Equal(["1"], Assert.Single(rec.Updates.OfType<JobCached>()).Nodes);
        var fractions = rec.Updates.OfType<JobProgress>().Select(p => p.Fraction).ToList();
        Assert.Equal(fractions.Order(), fractions);
        Assert.Equal(1.0 / 3, fractions[0], 3);
        Assert.Equal(1.0, fractions[^1]);
        var result = Assert.IsType<JobCompleted>(rec.Updates[^1]).Result;
        Assert.Equal("a.png", Assert.Single(result["saved"].Images).FileName);
        Assert.Equal(TimeSpan.FromMilliseconds(30), result.Timings.Nodes["2"]);
        Assert.Empty(_server.Requests("GET", $"/history/{id}"));
    }

    [Fact]
    public async Task Events_LateFramesOfAFinishedPrompt_DoNotTouchTheNextJob()
    {
        var client = _server.Client();
        var first = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
        var a = (await first.WaitFor<JobQueued>()).PromptId;
        _server.Start(a);
        _server.Finish(a);
        await first.Ended;
        var second = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
        var b = (await second.WaitFor<JobQueued>()).PromptId;
        _server.Start(b);
        var before = second.Updates.Count;

        _server.Send("execution_error", $$"""{"prompt_id": "{{a}}", "node_id": "2", "node_type": "ImageInvert", "exception_message": "late", "exception_type": "RuntimeError", "traceback": [], "executed": [], "current_inputs": {}, "current_outputs": []}""");
        _server.Executing(a, null);
        _server.Send("progress", $$"""{"value": 1, "max": 2, "prompt_id": "{{a}}", "node": "2"}""");

        Assert.Equal(before, second.Updates.Count);
        Assert.Equal(0, second.Terminals);
        Assert.Equal(1, first.Terminals);
        Assert.Null(first.Error);
    }

    [Fact]
    public async Task Events_IdlessFrames_GoToTheRunningJobOnlyWhenUnambiguous()
    {
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
        var id = (await rec.WaitFor<JobQueued>()).PromptId;
        var jpeg = new byte[] { 0, 0, 0, 1, 0, 0, 0, 1, 0xFF, 0xD8, 0xFF, 0xE0 };

        // Nothing of ours runs yet: a type-1 preview and a text frame are someone else's.
        _server.Connector.Last!.ReceiveBinary(jpeg);
        _server.Connector.Last.ReceiveBinary(TextFrame("2", "not ours yet"));
        _server.Start(id);
        _server.Executing(id, "2");
        _server.Connector.Last.ReceiveBinary(jpeg);
        _server.Connector.Last.ReceiveBinary(TextFrame("2", "ours"));
        _server.Connector.Last.ReceiveBinary(TextFrame("77", "another graph's node"));

        var preview = Assert.Single(rec.Updates.OfType<JobPreview>());
        Assert.Equal(("2", "image/jpeg"), (preview.NodeId, preview.MimeType));
        Assert.Equal("ours", Assert.Single(rec.Updates.OfType<JobText>()).Text);
    }

    [Fact]
    public async Task StartTimeout_FiresAtTheLimitInVirtualTime_AndDeletesThePrompt()
    {
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation(new JobOptions { StartTimeout = TimeSpan.FromSeconds(30) })));
        var id = (await rec.WaitFor<JobQueued>()).PromptId;
        _server.Queue = () => ([], [id]);

        _server.Scheduler.AdvanceBy(TimeSpan.FromSeconds(30).Ticks - 1);
        Assert.Equal(0, rec.Terminals);
        _server.Scheduler.AdvanceBy(1);
        await rec.Ended;
        await client.GetJobTracker().WhenCancellationsSentAsync().WaitAsync(JobTestServer.Wait);

        Assert.Equal("start", Assert.IsType<ComfyTimeoutException>(rec.Error).Phase);
        Assert.Contains(id, Assert.Single(_server.Requests("POST", "/queue")).BodyText, StringComparison.Ordinal);
        Assert.Empty(_server.Requests("POST", "/interrupt"));
    }

    [Fact]
    public async Task StartTimeout_StartedInTime_NeverFires()
    {
        var client = _server.Client();
        _server.OnPrompt = p => _server.Queue = () => ([], [p]);
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation(new JobOptions { StartTimeout = TimeSpan.FromSeconds(5) })));
        var id = (await rec.WaitFor<JobQueued>()).PromptId;

        _server.Scheduler.AdvanceBy(TimeSpan.FromSeconds(4).Ticks);
        _server.Queue = () => ([id], []);
        _server.Start(id);
        _server.Scheduler.AdvanceBy(TimeSpan.FromSeconds(10).Ticks);

        Assert.Equal(0, rec.Terminals);
        Assert.Null(rec.Error);
    }

    [Fact]
    public async Task InactivityTimeout_EventsKeepItAlive_SilenceFiresAndInterruptsByPromptId()
    {
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation(new JobOptions { InactivityTimeout = TimeSpan.FromSeconds(10) })));
        var id = (await rec.WaitFor<JobQueued>()).PromptId;
        _server.Start(id);
        _server.Queue = () => ([id], []);
        _server.History = _ => null;

        for (var i = 0; i < 5; i++)
        {
            _server.Scheduler.AdvanceBy(TimeSpan.FromSeconds(8).Ticks);
            _server.Send("progress", $$"""{"value": {{i}}, "max": 5, "prompt_id": "{{id}}", "node": "2"}""");
        }

        Assert.Equal(0, rec.Terminals);
        _server.Scheduler.AdvanceBy(TimeSpan.FromSeconds(10).Ticks);
        await rec.Ended;
        await client.GetJobTracker().WhenCancellationsSentAsync().WaitAsync(JobTestServer.Wait);

        Assert.Equal("inactivity", Assert.IsType<ComfyTimeoutException>(rec.Error).Phase);
        var interrupt = Assert.Single(_server.Requests("POST", "/interrupt"));
        Assert.Contains(id, interrupt.BodyText, StringComparison.Ordinal);
        Assert.Empty(_server.Requests("POST", "/queue"));
    }

    [Fact]
    public async Task OverallTimeout_FiresOnceEvenIfTheServerCompletesRightAfter()
    {
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation(new JobOptions { OverallTimeout = TimeSpan.FromMinutes(1) })));
        var id = (await rec.WaitFor<JobQueued>()).PromptId;
        _server.Queue = () => ([id], []);
        _server.Start(id);

        _server.Scheduler.AdvanceBy(TimeSpan.FromMinutes(1).Ticks);
        _server.Finish(id);
        await rec.Ended;

        Assert.Equal("overall", Assert.IsType<ComfyTimeoutException>(rec.Error).Phase);
        Assert.Equal(1, rec.Terminals);
        Assert.DoesNotContain(rec.Updates, u => u is JobCompleted);
    }

    [Fact]
    public async Task Reconnect_JobFinishedDuringOutage_CompletesFromHistoryOnce()
    {
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
        var id = (await rec.WaitFor<JobQueued>()).PromptId;
        _server.Start(id);
        _server.Executing(id, "2");

        _server.History = p => p == id ? JobTestServer.SuccessHistory(id, $$"""{"3": {{JobTestServer.ImageOutput("from-history.png")}}}""") : null;
        _server.Connector.Last!.ServerClose();
        _server.Scheduler.AdvanceBy(TimeSpan.FromSeconds(1).Ticks);
        await client.GetJobTracker().WhenReconciledAsync().WaitAsync(JobTestServer.Wait);
        await rec.Ended;

        // The socket comes back and the server's own frames arrive late: no second terminal.
        _server.Scheduler.AdvanceBy(TimeSpan.FromSeconds(5).Ticks);
        _server.Connector.Last!.Receive($$"""{"type": "executing", "data": {"node": null, "prompt_id": "{{id}}"} }""");

        Assert.Null(rec.Error);
        Assert.Equal(1, rec.Terminals);
        Assert.Equal("from-history.png", Assert.Single(rec.Updates.OfType<JobCompleted>()).Result.Outputs["3"].Images[0].FileName);
    }

    [Fact]
    public async Task Reconnect_ServerNoLongerKnowsTheJob_FailsWithJobLost()
    {
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
        var id = (await rec.WaitFor<JobQueued>()).PromptId;

        _server.Connector.Last!.ServerClose();
        for (var i = 0; i < 5 && rec.Terminals == 0; i++)
        {
            _server.Scheduler.AdvanceBy(TimeSpan.FromSeconds(1).Ticks);
            await client.GetJobTracker().WhenReconciledAsync().WaitAsync(JobTestServer.Wait);
        }

        await rec.Ended.WaitAsync(JobTestServer.Wait);
        var error = Assert.IsType<ComfyJobLostException>(rec.Error);
        Assert.Equal(id, error.PromptId);
        Assert.IsAssignableFrom<ComfyConnectionException>(error);
    }

    [Fact]
    public async Task PromptFinished_CachedOutputWithoutUi_FillsTheOutputFromHistory()
    {
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
        var id = (await rec.WaitFor<JobQueued>()).PromptId;
        _server.History = p => p == id ? JobTestServer.SuccessHistory(id, $$"""{"3": {{JobTestServer.ImageOutput("cached.png")}}}""") : null;

        _server.Start(id);
        _server.Send("execution_cached", $$"""{"nodes": ["1", "2", "3"], "prompt_id": "{{id}}", "timestamp": 1}""");
        _server.Executed(id, "3", null);
        _server.Finish(id);
        await rec.Ended.WaitAsync(JobTestServer.Wait);

        Assert.Equal("cached.png", Assert.Single(rec.Updates.OfType<JobCompleted>()).Result.Outputs["3"].Images[0].FileName);
    }

    [Fact]
    public async Task Events_InterruptedAndError_EndTheJobWithTypedExceptions()
    {
        var client = _server.Client();
        var interrupted = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
        var a = (await interrupted.WaitFor<JobQueued>()).PromptId;
        var failed = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
        var b = (await failed.WaitFor<JobQueued>()).PromptId;

        _server.Start(a);
        _server.Send("execution_interrupted", $$"""{"prompt_id": "{{a}}", "node_id": "2", "node_type": "ImageInvert", "executed": [], "timestamp": 1}""");
        _server.Executing(a, null);
        _server.Start(b);
        _server.Send("execution_error", $$"""{"prompt_id": "{{b}}", "node_id": "2", "node_type": "ImageInvert", "exception_message": "Execution Blocked: x", "exception_type": "ExecutionBlocked", "traceback": [], "executed": [], "current_inputs": [], "current_outputs": []}""");
        Assert.Equal(0, failed.Terminals);
        _server.Send("execution_error", $$"""{"prompt_id": "{{b}}", "node_id": "2", "node_type": "ImageInvert", "exception_message": "boom", "exception_type": "RuntimeError", "traceback": ["line 1"], "executed": [], "current_inputs": {}, "current_outputs": []}""");
        _server.Executing(b, null);

        Assert.Equal("2", Assert.IsType<ComfyInterruptedException>(interrupted.Error).NodeId);
        var error = Assert.IsType<ComfyExecutionException>(failed.Error);
        Assert.Equal(("2", "ImageInvert", "RuntimeError", "boom"), (error.NodeId, error.NodeType, error.ExceptionType, error.ExceptionMessage));
        Assert.Equal(["line 1"], error.Traceback);
        Assert.Equal(1, failed.Terminals);
    }

    [Fact]
    public async Task PreviewInterval_LatestWinsAndTheLastOneIsDelivered()
    {
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation(new JobOptions { PreviewInterval = TimeSpan.FromSeconds(1) })));
        var id = (await rec.WaitFor<JobQueued>()).PromptId;
        _server.Start(id);
        _server.Executing(id, "2");

        for (byte i = 1; i <= 5; i++)
        {
            _server.Connector.Last!.ReceiveBinary([0, 0, 0, 1, 0, 0, 0, 1, 0xFF, 0xD8, 0xFF, i]);
            _server.Scheduler.AdvanceBy(TimeSpan.FromMilliseconds(100).Ticks);
        }

        Assert.Single(rec.Updates.OfType<JobPreview>());
        _server.Scheduler.AdvanceBy(TimeSpan.FromSeconds(1).Ticks);

        var previews = rec.Updates.OfType<JobPreview>().ToList();
        Assert.Equal(2, previews.Count);
        Assert.Equal(1, previews[0].Image.Span[^1]);
        Assert.Equal(5, previews[1].Image.Span[^1]);
    }

    [Fact]
    public async Task QueuePositions_StatusEventsShareOneThrottledQueueRequest()
    {
        var client = _server.Client();
        var recs = new List<Recorder>();
        for (var i = 0; i < 5; i++)
        {
            recs.Add(Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation())));
        }

        var ids = new List<string>();
        foreach (var r in recs)
        {
            ids.Add((await r.WaitFor<JobQueued>()).PromptId);
        }

        _server.Queue = () => (["someone-else"], [.. ids]);
        _server.Scheduler.AdvanceBy(TimeSpan.FromSeconds(1).Ticks);
        var before = _server.Requests("GET", "/queue").Count;
        for (var i = 0; i < 50; i++)
        {
            _server.Send("status", """{"status": {"exec_info": {"queue_remaining": 6}}}""");
        }

        _server.Scheduler.AdvanceBy(TimeSpan.FromSeconds(1).Ticks);
        await recs[4].WaitFor<JobQueued>(q => q.Position == 4);

        Assert.InRange(_server.Requests("GET", "/queue").Count - before, 1, 2);
        for (var i = 0; i < 5; i++)
        {
            Assert.Contains(recs[i].Updates, u => u is JobQueued q && q.Position == i);
        }
    }

    [Fact]
    public async Task FinishedJobs_LeaveNoStateInTheTracker()
    {
        var client = _server.Client();
        var tracker = client.GetJobTracker();

        // Every other job runs entirely before its POST is answered (a fast server): it ends while being accepted.
        var overtaking = false;
        _server.OnPrompt = id =>
        {
            if (overtaking)
            {
                _server.Start(id);
                _server.Finish(id);
            }
        };
        for (var i = 0; i < 500; i++)
        {
            overtaking = i % 2 == 1;
            var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
            if (!overtaking)
            {
                var id = (await rec.WaitFor<JobQueued>()).PromptId;
                _server.Start(id);
                _server.Finish(id);
            }

            await rec.Ended;
            Assert.Null(rec.Error);
        }

        Assert.Equal(0, tracker.Count);
        Assert.Equal(0, tracker.Entries);
    }

    [Fact]
    public async Task RunAsync_Cancelled_ThrowsOperationCanceledAndCancelsOnTheServer()
    {
        var client = _server.Client();
        using var cts = new CancellationTokenSource();
        string? id = null;
        _server.OnPrompt = p => id = p;
        var task = client.RunAsync(JobTestServer.Basic, JobTestServer.NoValidation(), cts.Token);
        await Recorder.UntilAsync(() => id is not null && client.GetJobTracker().Count > 0, "the submission");

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.WaitAsync(JobTestServer.Wait));
        await client.GetJobTracker().WhenCancellationsSentAsync().WaitAsync(JobTestServer.Wait);
        Assert.Contains(id!, Assert.Single(_server.Requests("POST", "/queue")).BodyText, StringComparison.Ordinal);
    }

    private static byte[] TextFrame(string node, string text)
    {
        var nodeBytes = System.Text.Encoding.UTF8.GetBytes(node);
        var textBytes = System.Text.Encoding.UTF8.GetBytes(text);
        return [0, 0, 0, 3, 0, 0, 0, (byte)nodeBytes.Length, .. nodeBytes, .. textBytes];
    }
}
