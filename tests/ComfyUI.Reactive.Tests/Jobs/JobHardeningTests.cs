using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Tests.Transport;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Tests.Jobs;

/// <summary>Start timeouts that ask the server first, id-less frames after reconnects, secrets, attachments, disposal.</summary>
public sealed class JobHardeningTests : IAsyncLifetime
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private readonly JobTestServer _server = new();

    public Task InitializeAsync() => Task.CompletedTask;

    // IAsyncLifetime, not IAsyncDisposable: xunit 2 never calls a test class's DisposeAsync (emulators and pools leaked).
    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    private static JobOptions WithStartTimeout() => JobTestServer.NoValidation(new JobOptions { StartTimeout = Limit });

    // No queue-position refreshes: only the start-timeout check itself can learn from the server here.
    private static JobOptions WithStartTimeoutOnly() =>
        JobTestServer.NoValidation(new JobOptions { StartTimeout = Limit, TrackQueuePosition = false });

    // ---- start timeout ----

    [Fact]
    public async Task StartTimeout_ServerSaysItRuns_ContinuesAsStartedAndDeletesNothing()
    {
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, WithStartTimeoutOnly()));
        var id = (await rec.WaitFor<JobQueued>()).PromptId;

        // Its execution_start was lost (or is late): the queue knows better.
        _server.Queue = () => ([id], []);
        _server.Scheduler.AdvanceBy(Limit.Ticks);
        await client.GetJobTracker().WhenCancellationsSentAsync().WaitAsync(JobTestServer.Wait);

        Assert.Single(rec.Updates.OfType<JobStarted>());
        Assert.Equal(0, rec.Terminals);
        Assert.Empty(_server.Requests("POST", "/queue"));
        _server.Finish(id);
        await rec.Ended;
        Assert.Null(rec.Error);
    }

    [Fact]
    public async Task StartTimeout_PromptFinishedUnseen_CompletesFromHistory()
    {
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, WithStartTimeoutOnly()));
        var id = (await rec.WaitFor<JobQueued>()).PromptId;
        _server.History = p => p == id ? JobTestServer.SuccessHistory(id, $$"""{"3": {{JobTestServer.ImageOutput("done.png")}}}""") : null;

        _server.Scheduler.AdvanceBy(Limit.Ticks);
        await rec.Ended;

        Assert.Null(rec.Error);
        Assert.Equal("done.png", Assert.Single(rec.Updates.OfType<JobCompleted>()).Result.Outputs["3"].Images[0].FileName);
        Assert.Empty(_server.Requests("POST", "/queue"));
    }

    [Fact]
    public async Task StartTimeout_StillPending_DeletesChecksAgainAndFailsOnce()
    {
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, WithStartTimeout()));
        var id = (await rec.WaitFor<JobQueued>()).PromptId;
        _server.Queue = () => (["someone-else"], [id]);

        _server.Scheduler.AdvanceBy(Limit.Ticks - 1);
        Assert.Equal(0, rec.Terminals);
        var queueReads = _server.Requests("GET", "/queue").Count;
        _server.Scheduler.AdvanceBy(1);
        await rec.Ended;
        await client.GetJobTracker().WhenCancellationsSentAsync().WaitAsync(JobTestServer.Wait);

        Assert.Equal("start", Assert.IsType<ComfyTimeoutException>(rec.Error).Phase);
        Assert.Contains(id, Assert.Single(_server.Requests("POST", "/queue")).BodyText, StringComparison.Ordinal);
        Assert.Equal(2, _server.Requests("GET", "/queue").Count - queueReads);
        Assert.Empty(_server.Requests("POST", "/interrupt"));
    }

    [Fact]
    public async Task StartTimeout_StartsBetweenTheCheckAndTheDelete_ContinuesAsStarted()
    {
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, WithStartTimeout()));
        var id = (await rec.WaitFor<JobQueued>()).PromptId;

        // Pending when asked; by the time the delete arrives the worker has taken it (a delete only removes pending ones).
        _server.Queue = () => _server.Requests("POST", "/queue").Count == 0 ? ([], [id]) : ([id], []);
        _server.Scheduler.AdvanceBy(Limit.Ticks);
        await client.GetJobTracker().WhenCancellationsSentAsync().WaitAsync(JobTestServer.Wait);

        Assert.Single(_server.Requests("POST", "/queue"));
        Assert.Single(rec.Updates.OfType<JobStarted>());
        Assert.Equal(0, rec.Terminals);
        _server.Finish(id);
        await rec.Ended;
        Assert.Null(rec.Error);
        Assert.Empty(_server.Requests("POST", "/interrupt"));
    }

    // ---- id-less frames after a reconnect ----

    [Fact]
    public async Task Reconnect_ReplayedExecutingAfterTheJobFinishedDuringTheOutage_NeverReachesIt()
    {
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
        var id = (await rec.WaitFor<JobQueued>()).PromptId;
        _server.Start(id);
        _server.Executing(id, "2");

        // During the outage our prompt finished and someone else's started; hold the reconnect's /queue answer.
        var gate = new TaskCompletionSource();
        _server.QueueGate = gate.Task;
        _server.Queue = () => (["someone-else"], []);
        _server.History = p => p == id ? JobTestServer.SuccessHistory(id, $$"""{"3": {{JobTestServer.ImageOutput("h.png")}}}""") : null;
        var first = _server.Connector.Last!;
        first.ServerClose();
        _server.Scheduler.AdvanceBy(TimeSpan.FromSeconds(1).Ticks);
        Assert.NotSame(first, _server.Connector.Last);

        // The server replays what runs now (someone else's node "3"), without a prompt id.
        _server.Send("executing", """{"node": "3", "display_node": "3"}""");
        gate.SetResult();
        await rec.Ended;

        Assert.DoesNotContain(rec.Updates, u => u is JobNodeStarted { NodeId: "3" });
        Assert.Null(rec.Error);
        Assert.Equal(1, rec.Terminals);
        Assert.Equal("h.png", Assert.Single(rec.Updates.OfType<JobCompleted>()).Result.Outputs["3"].Images[0].FileName);
    }

    [Fact]
    public async Task Reconnect_OutputSentDuringTheOutageAndJobFinishesOnTheNewSocket_ResultHasItFromTheHistory()
    {
        // Found by the fault soak: a job running across a socket drop completed from the new socket's frames with only
        // the outputs it had heard, missing the `executed` the server sent while the socket was down.
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
        var id = (await rec.WaitFor<JobQueued>()).PromptId;
        _server.Start(id);
        _server.Executing(id, "2");

        _server.Queue = () => ([id], []);
        _server.History = p => p == id ? JobTestServer.SuccessHistory(id, $$"""{"3": {{JobTestServer.ImageOutput("sent-while-down.png")}}}""") : null;
        _server.Connector.Last!.ServerClose();          // node 3's `executed` goes out now, to nobody
        _server.Scheduler.AdvanceBy(TimeSpan.FromSeconds(1).Ticks);
        await client.Connection.FirstAsync(s => s == ConnectionState.Connected).ToTask().WaitAsync(JobTestServer.Wait);
        _server.Finish(id);                             // the end arrives on the new socket
        await rec.Ended;

        Assert.Null(rec.Error);
        var result = Assert.Single(rec.Updates.OfType<JobCompleted>()).Result;
        Assert.Equal("sent-while-down.png", Assert.Single(result.Outputs["3"].Images).FileName);
    }

    [Fact]
    public async Task Reconnect_ReplayedExecutingOfTheStillRunningJob_IsDeliveredOnceTheQueueConfirmsIt()
    {
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
        var id = (await rec.WaitFor<JobQueued>()).PromptId;
        _server.Start(id);
        _server.Executing(id, "2");

        var gate = new TaskCompletionSource();
        _server.QueueGate = gate.Task;
        _server.Queue = () => ([id], []);
        _server.Connector.Last!.ServerClose();
        _server.Scheduler.AdvanceBy(TimeSpan.FromSeconds(1).Ticks);
        _server.Send("executing", """{"node": "3", "display_node": "3"}""");
        Assert.DoesNotContain(rec.Updates, u => u is JobNodeStarted { NodeId: "3" });

        gate.SetResult();
        await rec.WaitFor<JobNodeStarted>(n => n.NodeId == "3");
        _server.Finish(id);
        await rec.Ended;

        Assert.Null(rec.Error);
        Assert.Single(rec.Updates.OfType<JobNodeStarted>(), n => n.NodeId == "3");
    }

    // ---- the async-enumerable bridge ----

    [Fact]
    public async Task ToAsyncEnumerable_SlowConsumer_KeepsTheOldestLossyUpToCapacityAndEveryOtherUpdateInOrder()
    {
        var client = _server.Client();
        var job = client.Run(JobTestServer.Basic, JobTestServer.NoValidation(new JobOptions { TrackQueuePosition = false }));
        await using var updates = job.ToAsyncEnumerable(capacity: 4).GetAsyncEnumerator();
        Assert.True(await updates.MoveNextAsync().AsTask().WaitAsync(JobTestServer.Wait));
        var id = Assert.IsType<JobQueued>(updates.Current).PromptId;

        // The consumer is busy while the whole run arrives: 100 progress ticks, node starts, an output, the end.
        _server.Start(id);
        _server.Executing(id, "2");
        for (var i = 1; i <= 100; i++)
        {
            _server.Send("progress", $$"""{"value": {{i}}, "max": 100, "prompt_id": "{{id}}", "node": "2"}""");
        }

        _server.Executing(id, "3");
        _server.Executed(id, "3", JobTestServer.ImageOutput("a.png"));
        _server.Finish(id);
        var rest = new List<JobUpdate>();
        while (await updates.MoveNextAsync().AsTask().WaitAsync(JobTestServer.Wait))
        {
            rest.Add(updates.Current);
        }

        var lossy = rest.OfType<JobProgress>().Where(p => p.Fraction < 1).ToList();
        Assert.Equal([1.0, 2.0, 3.0, 4.0], lossy.Select(p => p.Value));
        Assert.Collection(
            rest.Where(u => u is not JobProgress { Fraction: < 1 }),
            u => Assert.IsType<JobStarted>(u),
            u => Assert.Equal("2", Assert.IsType<JobNodeStarted>(u).NodeId),
            u => Assert.Equal("3", Assert.IsType<JobNodeStarted>(u).NodeId),
            u => Assert.IsType<JobNodeOutput>(u),
            u => Assert.Equal(1.0, Assert.IsType<JobProgress>(u).Fraction),
            u => Assert.IsType<JobCompleted>(u));
    }

    // ---- API keys ----

    [Fact]
    public async Task ComfyOrgApiKey_ClientWideFallbackAndPerRunOverride_ReachExtraDataAndNowhereElse()
    {
        const string clientKey = "comfyui-client-wide-key-0123456789";
        const string runKey = "comfyui-per-run-key-9876543210";
        var logger = new ListLogger();
        var client = _server.Client(o =>
        {
            o.ComfyOrgApiKey = clientKey;
            o.Logger = logger;
        });

        // Fallback: no per-run key.
        var plain = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation(new JobOptions { InactivityTimeout = Limit })));
        var a = (await plain.WaitFor<JobQueued>()).PromptId;

        // Override, and a job that fails (timeout, cancellation on the server), so errors and logs are written.
        var options = JobTestServer.NoValidation(new JobOptions { ComfyOrgApiKey = runKey, StartTimeout = Limit });
        var overridden = Recorder.Start(client.Run(JobTestServer.Basic, options));
        var b = (await overridden.WaitFor<JobQueued>()).PromptId;
        _server.Queue = () => ([a], [b]);
        _server.Start(a);
        _server.Scheduler.AdvanceBy(Limit.Ticks);
        await Task.WhenAll(plain.Ended, overridden.Ended);
        await client.GetJobTracker().WhenCancellationsSentAsync().WaitAsync(JobTestServer.Wait);

        var bodies = _server.Requests("POST", "/prompt").Select(r => JsonNode.Parse(r.BodyText)!).ToDictionary(n => n["prompt_id"]!.GetValue<string>());
        Assert.Equal(clientKey, bodies[a]["extra_data"]!["api_key_comfy_org"]!.GetValue<string>());
        Assert.Equal(runKey, bodies[b]["extra_data"]!["api_key_comfy_org"]!.GetValue<string>());

        var errors = new[] { plain.Error!, overridden.Error! };
        Assert.All(errors, e => Assert.IsType<ComfyTimeoutException>(e));
        Assert.NotEmpty(logger.Lines);
        var visible = new List<string> { options.ToString(), client.ToString()! };
        visible.AddRange(logger.Lines);
        visible.AddRange(errors.Select(e => e.ToString()));
        foreach (var key in new[] { clientKey, runKey })
        {
            Assert.All(visible, v => Assert.DoesNotContain(key, v, StringComparison.Ordinal));
        }
    }

    // ---- attachments ----

    private static Workflow LoadImageWorkflow => Workflow.Parse("""
        {"10": {"class_type": "LoadImage", "inputs": {"image": "placeholder.png"}},
         "11": {"class_type": "PreviewImage", "inputs": {"images": ["10", 0]}}}
        """);

    [Fact]
    public async Task Attachments_FromStream_OpenedPerRunUploadedDisposedAndSubstituted()
    {
        var client = _server.Client();
        var opened = new List<TrackingStream>();
        var attachment = JobAttachment.FromStream("10.inputs.image", "mine.png", _ =>
        {
            var stream = new TrackingStream([1, 2, 3, 4]);
            opened.Add(stream);
            return Task.FromResult<Stream>(stream);
        });
        var job = client.Run(LoadImageWorkflow, JobTestServer.NoValidation(new JobOptions { Attachments = [attachment] }));

        await Recorder.Start(job).WaitFor<JobQueued>();
        await Recorder.Start(job).WaitFor<JobQueued>();

        Assert.Equal(2, opened.Count);
        Assert.All(opened, s => Assert.True(s.Disposed));
        var uploads = _server.Requests("POST", "/upload/image");
        Assert.Equal(2, uploads.Count);
        Assert.All(uploads, u => Assert.Contains("mine.png", u.BodyText, StringComparison.Ordinal));
        var images = _server.Requests("POST", "/prompt").Select(r => JsonNode.Parse(r.BodyText)!["prompt"]!["10"]!["inputs"]!["image"]!.GetValue<string>());
        Assert.Equal(["stored-1.png", "stored-2.png"], images.Order());
    }

    [Fact]
    public async Task Attachments_FromFile_UploadsTheFilesBytesUnderItsName()
    {
        var client = _server.Client();
        var path = Path.Combine(Path.GetTempPath(), $"attach-{Guid.NewGuid():N}.png");
        await File.WriteAllBytesAsync(path, "PNG-BYTES-OF-THE-FILE"u8.ToArray());
        try
        {
            var attachment = JobAttachment.FromFile("10.inputs.image", path);
            var rec = Recorder.Start(client.Run(LoadImageWorkflow, JobTestServer.NoValidation(new JobOptions { Attachments = [attachment] })));
            await rec.WaitFor<JobQueued>();

            var upload = Assert.Single(_server.Requests("POST", "/upload/image")).BodyText;
            Assert.Contains(Path.GetFileName(path), upload, StringComparison.Ordinal);
            Assert.Contains("PNG-BYTES-OF-THE-FILE", upload, StringComparison.Ordinal);
            var body = JsonNode.Parse(Assert.Single(_server.Requests("POST", "/prompt")).BodyText)!;
            Assert.Equal("stored-1.png", body["prompt"]!["10"]!["inputs"]!["image"]!.GetValue<string>());

            // The file is read per run and not kept open: it can be deleted right away.
            File.Delete(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    // ---- disposal before submission ----

    [Fact]
    public async Task Dispose_DuringAttachmentUpload_NothingIsSubmitted()
    {
        var client = _server.Client();
        await client.ConnectAsync();
        var hold = new TaskCompletionSource();
        _server.HttpGate = hold.Task;
        var attachment = JobAttachment.FromBytes("10.inputs.image", "a.png", new byte[] { 1, 2, 3 });
        var rec = Recorder.Start(client.Run(LoadImageWorkflow, JobTestServer.NoValidation(new JobOptions { Attachments = [attachment] })));
        await Recorder.UntilAsync(() => _server.Requests("POST", "/upload/image").Count == 1);

        rec.Subscription.Dispose();
        hold.SetResult();
        await ((TrackedJob)rec.Subscription).Pipeline!.WaitAsync(JobTestServer.Wait);

        Assert.Empty(_server.Requests("POST", "/prompt"));
        Assert.Equal(0, rec.Terminals);
        Assert.Equal(0, client.GetJobTracker().Entries);
    }

    [Fact]
    public async Task Dispose_DuringValidation_NothingIsSubmitted()
    {
        var client = _server.Client();
        await client.ConnectAsync();
        var hold = new TaskCompletionSource();
        _server.HttpGate = hold.Task;
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, new JobOptions { ValidateBeforeSubmit = true }));
        await Recorder.UntilAsync(() => _server.Requests("GET", "/object_info").Count == 1);

        rec.Subscription.Dispose();
        hold.SetResult();
        await ((TrackedJob)rec.Subscription).Pipeline!.WaitAsync(JobTestServer.Wait);

        Assert.Empty(_server.Requests("POST", "/prompt"));
        Assert.Equal(0, rec.Terminals);
        Assert.Equal(0, client.GetJobTracker().Entries);
    }

    [Fact]
    public async Task Dispose_WhileThePostIsOnTheWire_TheAcceptedPromptIsDeleted()
    {
        var client = _server.Client();
        await client.ConnectAsync();
        var hold = new TaskCompletionSource();
        _server.HttpGate = hold.Task;
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
        await Recorder.UntilAsync(() => _server.Requests("POST", "/prompt").Count == 1);

        rec.Subscription.Dispose();
        hold.SetResult();
        await client.GetJobTracker().WhenCancellationsSentAsync().WaitAsync(JobTestServer.Wait);

        var id = JsonNode.Parse(Assert.Single(_server.Requests("POST", "/prompt")).BodyText)!["prompt_id"]!.GetValue<string>();
        Assert.Contains(id, Assert.Single(_server.Requests("POST", "/queue")).BodyText, StringComparison.Ordinal);
        Assert.Equal(0, rec.Terminals);
    }


    private sealed class TrackingStream(byte[] bytes) : MemoryStream(bytes)
    {
        public bool Disposed { get; private set; }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
