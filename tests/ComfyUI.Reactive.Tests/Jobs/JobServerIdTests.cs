using ComfyUI.Reactive.Jobs;

namespace ComfyUI.Reactive.Tests.Jobs;

/// <summary>
/// Servers older than 2025-07-14 ignore the client-chosen prompt id and answer the POST with their own: the job follows
/// the server's id, and events that arrived under it before the answer are replayed, not lost.
/// </summary>
public sealed class JobServerIdTests : IAsyncLifetime
{
    private readonly JobTestServer _server = new();

    public Task InitializeAsync() => Task.CompletedTask;

    // IAsyncLifetime, not IAsyncDisposable: xunit 2 never calls a test class's DisposeAsync (emulators and pools leaked).
    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task Submit_ServerAnswersWithItsOwnId_EveryUpdateCarriesItAndTheJobCompletes()
    {
        var serverId = Guid.NewGuid().ToString();
        _server.AssignPromptId = _ => serverId;
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic.Output("saved", "3"), JobTestServer.NoValidation()));

        Assert.Equal(serverId, (await rec.WaitFor<JobQueued>()).PromptId);
        _server.Start(serverId);
        _server.Executing(serverId, "3");
        _server.Executed(serverId, "3", JobTestServer.ImageOutput("old.png"));
        _server.Finish(serverId);
        await rec.Ended;

        Assert.Null(rec.Error);
        Assert.All(rec.Updates, u => Assert.Equal(serverId, u.PromptId));
        var result = Assert.IsType<JobCompleted>(rec.Updates[^1]).Result;
        Assert.Equal(serverId, result.PromptId);
        Assert.Equal("old.png", Assert.Single(result["saved"].Images).FileName);
        Assert.Equal(0, client.GetJobTracker().Entries);
        Assert.Equal(0, client.GetJobTracker().UnmatchedEvents);
    }

    [Fact]
    public async Task Submit_ServerIdEventsArriveBeforeTheAnswer_AreReplayedInOrder()
    {
        var serverId = Guid.NewGuid().ToString();
        _server.AssignPromptId = _ => serverId;
        _server.OnPrompt = id =>
        {
            // A fast server starts (and here finishes) the prompt before the POST's answer leaves.
            _server.Start(id);
            _server.Executing(id, "2");
            _server.Executed(id, "3", JobTestServer.ImageOutput("fast.png"));
            _server.Finish(id);
        };
        var client = _server.Client();

        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
        await rec.Ended;

        Assert.Null(rec.Error);
        Assert.Collection(
            rec.Updates.Where(u => u is not JobProgress),
            u => Assert.IsType<JobQueued>(u),
            u => Assert.IsType<JobStarted>(u),
            u => Assert.Equal("2", Assert.IsType<JobNodeStarted>(u).NodeId),
            u => Assert.Equal("3", Assert.IsType<JobNodeOutput>(u).Output.NodeId),
            u => Assert.Equal("fast.png", Assert.IsType<JobCompleted>(u).Result.Outputs["3"].Images[0].FileName));
        Assert.All(rec.Updates, u => Assert.Equal(serverId, u.PromptId));
        Assert.Equal(0, client.GetJobTracker().UnmatchedEvents);
    }

    [Fact]
    public async Task Submit_ServerIdEventsOlderThanFiveSeconds_AreNotReplayed()
    {
        var serverId = Guid.NewGuid().ToString();
        _server.AssignPromptId = _ => serverId;
        var answer = new TaskCompletionSource();
        _server.HttpGate = answer.Task;
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
        await Recorder.UntilAsync(() => _server.Requests("POST", "/prompt").Count == 1);

        Cached(serverId);
        _server.Scheduler.AdvanceBy(TimeSpan.FromSeconds(5).Ticks + 1);
        _server.Start(serverId);
        _server.Executing(serverId, "2");
        answer.SetResult();
        await rec.WaitFor<JobNodeStarted>();

        // The cached frame is too old to be trusted as this prompt's (the buffer keeps 5 s); the others are recent.
        Assert.Collection(
            rec.Updates.Where(u => u is not JobProgress),
            u => Assert.IsType<JobQueued>(u),
            u => Assert.IsType<JobStarted>(u),
            u => Assert.Equal("2", Assert.IsType<JobNodeStarted>(u).NodeId));
        Assert.Equal(1, client.GetJobTracker().Count);
    }

    [Fact]
    public async Task Submit_MoreUnmatchedEventsThanTheBoundBeforeTheAnswer_OnlyTheNewestAreKept()
    {
        var serverId = Guid.NewGuid().ToString();
        _server.AssignPromptId = _ => serverId;
        var answer = new TaskCompletionSource();
        _server.HttpGate = answer.Task;
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
        await Recorder.UntilAsync(() => _server.Requests("POST", "/prompt").Count == 1);

        Cached(serverId);
        for (var i = 0; i < JobTracker.MaxUnmatchedEvents; i++)
        {
            _server.Executing(Guid.NewGuid().ToString(), "1");
        }

        Assert.Equal(JobTracker.MaxUnmatchedEvents, client.GetJobTracker().UnmatchedEvents);
        _server.Start(serverId);
        _server.Executing(serverId, "2");
        answer.SetResult();
        await rec.WaitFor<JobNodeStarted>();

        // Its execution_cached was pushed out by the frames of other prompts; the frames that came after are kept.
        Assert.Collection(
            rec.Updates.Where(u => u is not JobProgress),
            u => Assert.IsType<JobQueued>(u),
            u => Assert.IsType<JobStarted>(u),
            u => Assert.Equal("2", Assert.IsType<JobNodeStarted>(u).NodeId));
        Assert.Equal(0, client.GetJobTracker().UnmatchedEvents);
    }

    [Fact]
    public async Task Submit_OutputFramePushedOutOfTheHoldBeforeTheAnswer_ResultStillHasTheOutputFromHistory()
    {
        var serverId = Guid.NewGuid().ToString();
        _server.AssignPromptId = _ => serverId;
        _server.History = id => id == serverId ? JobTestServer.SuccessHistory(serverId, $$"""{"3": {{JobTestServer.ImageOutput("kept.png")}}}""") : null;
        var answer = new TaskCompletionSource();
        _server.HttpGate = answer.Task;
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic.Output("saved", "3"), JobTestServer.NoValidation()));
        await Recorder.UntilAsync(() => _server.Requests("POST", "/prompt").Count == 1);

        _server.Start(serverId);
        _server.Executing(serverId, "3");
        _server.Executed(serverId, "3", JobTestServer.ImageOutput("kept.png"));
        for (var i = 0; i < JobTracker.MaxUnmatchedEvents; i++)
        {
            _server.Executing(Guid.NewGuid().ToString(), "1");   // other clients' prompts push ours out of the hold
        }

        answer.SetResult();
        await rec.WaitFor<JobQueued>();
        _server.Finish(serverId);
        await rec.Ended.WaitAsync(JobTestServer.Wait);

        Assert.Null(rec.Error);
        var result = Assert.IsType<JobCompleted>(rec.Updates[^1]).Result;
        Assert.Equal("kept.png", Assert.Single(result["saved"].Images).FileName);
    }

    [Fact]
    public async Task Dispose_OnAServerThatAssignedItsOwnId_DeletesTheServersId()
    {
        var serverId = Guid.NewGuid().ToString();
        _server.AssignPromptId = _ => serverId;
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
        await rec.WaitFor<JobQueued>();

        rec.Subscription.Dispose();
        await client.GetJobTracker().WhenCancellationsSentAsync().WaitAsync(JobTestServer.Wait);

        Assert.Contains(serverId, Assert.Single(_server.Requests("POST", "/queue")).BodyText, StringComparison.Ordinal);
        Assert.Equal(0, client.GetJobTracker().Entries);
    }

    [Fact]
    public async Task UnmatchedEvents_NoSubmissionAwaitsItsAnswer_NothingIsBuffered()
    {
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
        var id = (await rec.WaitFor<JobQueued>()).PromptId;

        // Another app's prompts (same client id) and late frames: no job can be re-keyed to them, so none are kept.
        for (var i = 0; i < 10; i++)
        {
            _server.Start(Guid.NewGuid().ToString());
        }

        Assert.Equal(0, client.GetJobTracker().UnmatchedEvents);
        _server.Start(id);
        _server.Finish(id);
        await rec.Ended;
        Assert.Null(rec.Error);
    }

    private void Cached(string id) => _server.Send("execution_cached", $$"""{"nodes": ["1"], "prompt_id": "{{id}}", "timestamp": 1}""");

}
