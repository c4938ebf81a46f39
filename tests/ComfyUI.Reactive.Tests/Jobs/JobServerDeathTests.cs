using System.Net;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Tests.Transport;

namespace ComfyUI.Reactive.Tests.Jobs;

/// <summary>
/// A dead server (socket closed and HTTP refused) fails its jobs at once; a slow, overloaded or merely disconnected one
/// keeps them. Virtual time: the outage poll runs on the tracker's one-second tick.
/// </summary>
public sealed class JobServerDeathTests : IAsyncLifetime
{
    private readonly JobTestServer _server = new();

    public Task InitializeAsync() => Task.CompletedTask;

    // IAsyncLifetime, not IAsyncDisposable: xunit 2 never calls a test class's DisposeAsync (emulators and pools leaked).
    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task Outage_SocketClosedAndHttpRefused_FailsQueuedAndRunningJobsWithinTwoSeconds()
    {
        var client = _server.Client();
        var running = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
        var runningId = (await running.WaitFor<JobQueued>()).PromptId;
        var queued = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
        var queuedId = (await queued.WaitFor<JobQueued>()).PromptId;
        _server.Start(runningId);
        _server.Executing(runningId, "2");

        Kill();
        var killedAt = _server.Scheduler.Now;
        await AdvanceAsync(client, TimeSpan.FromSeconds(2));

        foreach (var (rec, id, phase) in new[] { (running, runningId, "running"), (queued, queuedId, "queued") })
        {
            await rec.Ended;
            var error = Assert.IsType<ComfyJobLostException>(rec.Error);
            Assert.Equal(id, error.PromptId);
            Assert.Contains("http://comfy.test:8188 stopped while the prompt was " + phase, error.Message, StringComparison.Ordinal);
            Assert.Contains("retry", error.Message, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(1, rec.Terminals);
        }

        Assert.True(_server.Scheduler.Now - killedAt <= TimeSpan.FromSeconds(2));
        Assert.Equal(0, client.GetJobTracker().Count);

        // Nothing to cancel on a dead server: no delete, no interrupt.
        Assert.Empty(_server.Requests("POST", "/queue"));
        Assert.Empty(_server.Requests("POST", "/interrupt"));
    }

    [Fact]
    public async Task Outage_ServerDiesAfterThePromptFinished_JobCompletesNotLost()
    {
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
        var id = (await rec.WaitFor<JobQueued>()).PromptId;

        // Finished with a cached output whose UI is only in the history; the history read is on its way when it dies.
        var historyRead = new TaskCompletionSource();
        _server.HttpGate = historyRead.Task;
        _server.Start(id);
        _server.Send("execution_cached", $$"""{"nodes": ["1", "2", "3"], "prompt_id": "{{id}}", "timestamp": 1}""");
        _server.Executed(id, "3", null);
        _server.Finish(id);
        Kill();
        await AdvanceAsync(client, TimeSpan.FromSeconds(2));
        Assert.Equal(0, rec.Terminals);

        historyRead.SetResult();
        await rec.Ended;
        Assert.Null(rec.Error);
    }

    [Fact]
    public async Task Outage_ServerDiesBetweenSuccessAndItsFinalFrame_JobCompletesWithItsOutputs()
    {
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic.Output("saved", "3"), JobTestServer.NoValidation()));
        var id = (await rec.WaitFor<JobQueued>()).PromptId;
        _server.Start(id);
        _server.Executing(id, "3");
        _server.Executed(id, "3", JobTestServer.ImageOutput("done.png"));
        _server.Success(id);

        // Killed before `executing null`: the history died with the process, but the socket saw the whole run.
        Kill();
        await AdvanceAsync(client, TimeSpan.FromSeconds(2));
        await rec.Ended;

        Assert.Null(rec.Error);
        Assert.Equal("done.png", Assert.Single(Assert.IsType<JobCompleted>(rec.Updates[^1]).Result["saved"].Images).FileName);
    }

    [Fact]
    public async Task Outage_SuccessArrivedOnlyAfterAnEarlierDrop_StillLost()
    {
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic.Output("saved", "3"), JobTestServer.NoValidation()));
        var id = (await rec.WaitFor<JobQueued>()).PromptId;
        _server.Start(id);
        _server.Queue = () => ([id], []);

        // A drop during the run may have cost the `executed` frame: success alone does not prove the outputs are known.
        _server.Connector.Last!.ServerClose();
        await AdvanceAsync(client, TimeSpan.FromSeconds(1));
        _server.Success(id);
        Kill();
        await AdvanceAsync(client, TimeSpan.FromSeconds(3));
        await rec.Ended;

        Assert.IsType<ComfyJobLostException>(rec.Error);
    }

    [Fact]
    public async Task Outage_OneRefusalThenHttpAnswers_KeepsTheJob()
    {
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
        var id = (await rec.WaitFor<JobQueued>()).PromptId;
        _server.Start(id);
        _server.Queue = () => ([id], []);

        // Refused and answering in turn (a restart in progress, a flapping proxy): never two refusals in a row.
        Kill();
        var calls = 0;
        _server.Unreachable = () => Interlocked.Increment(ref calls) % 2 == 0 ? JobTestServer.Refused() : null;
        await AdvanceAsync(client, TimeSpan.FromSeconds(10));

        Assert.True(rec.Terminals == 0, rec.Error?.ToString());
        Assert.True(calls >= 10, $"{calls} polls");
    }

    [Fact]
    public async Task Outage_PooledConnectionResetBeforeTheRefusals_StillFailsWithinTwoSeconds()
    {
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
        await rec.WaitFor<JobQueued>();

        // The first request after the kill runs into a kept-alive connection the dying server reset: it proves nothing.
        var calls = 0;
        Kill(() => Interlocked.Increment(ref calls) == 1
            ? new HttpRequestException(HttpRequestError.ResponseEnded, "The response ended prematurely.", new IOException("reset"))
            : JobTestServer.Refused());
        await AdvanceAsync(client, TimeSpan.FromSeconds(2));

        Assert.IsType<ComfyJobLostException>(rec.Error);
    }

    [Theory]
    [InlineData("503")]
    [InlineData("timeout")]
    public async Task Outage_HttpFailsButIsNotRefused_KeepsTheJobUntilTheServerIsBack(string failure)
    {
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
        var id = (await rec.WaitFor<JobQueued>()).PromptId;
        _server.Start(id);

        // A slow or overloaded server is not a dead one, however long it lasts.
        _server.Connector.OnConnect = _ => FakeWebSocketConnector.Refuse();
        if (failure == "503")
        {
            _server.FailStatus = HttpStatusCode.ServiceUnavailable;
        }
        else
        {
            _server.Unreachable = JobTestServer.TimedOut;
        }

        _server.Connector.Last!.ServerClose();
        await AdvanceAsync(client, TimeSpan.FromSeconds(10));
        Assert.Equal(0, rec.Terminals);

        _server.FailStatus = null;
        _server.Unreachable = null;
        _server.History = p => p == id ? JobTestServer.SuccessHistory(id, $$"""{"3": {{JobTestServer.ImageOutput("after.png")}}}""") : null;
        await AdvanceAsync(client, TimeSpan.FromSeconds(2));
        await rec.Ended;

        Assert.Null(rec.Error);
        Assert.Equal("after.png", Assert.Single(rec.Updates.OfType<JobCompleted>()).Result.Outputs["3"].Images[0].FileName);
    }

    [Fact]
    public async Task Outage_HttpRefusedButSocketStillUp_KeepsTheJob()
    {
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation(new JobOptions { TrackQueuePosition = true })));
        var id = (await rec.WaitFor<JobQueued>()).PromptId;
        _server.Start(id);

        // Only the socket's close says the process may be gone; refused HTTP alone (a proxy hiccup) proves nothing.
        _server.Unreachable = JobTestServer.Refused;
        for (var i = 0; i < 5; i++)
        {
            _server.Send("status", """{"status": {"exec_info": {"queue_remaining": 1}}}""");
            await AdvanceAsync(client, TimeSpan.FromSeconds(1));
        }

        Assert.Equal(0, rec.Terminals);
        _server.Unreachable = null;
        _server.Finish(id);
        await rec.Ended;
        Assert.Null(rec.Error);
    }

    private void Kill(Func<Exception?>? http = null)
    {
        _server.Connector.OnConnect = _ => FakeWebSocketConnector.Refuse();
        _server.Unreachable = http ?? JobTestServer.Refused;
        _server.Connector.Last!.ServerClose();
    }

    /// <summary>Advances virtual time in 100 ms steps, letting each reconciliation the tick starts finish.</summary>
    private async Task AdvanceAsync(ComfyClient client, TimeSpan by)
    {
        for (var step = TimeSpan.Zero; step < by; step += TimeSpan.FromMilliseconds(100))
        {
            _server.Scheduler.AdvanceBy(TimeSpan.FromMilliseconds(100).Ticks);
            await client.GetJobTracker().WhenReconciledAsync().WaitAsync(JobTestServer.Wait);
        }
    }
}
