using ComfyUI.Reactive.Events;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Jobs.Progress;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Tests.Jobs;

/// <summary>
/// Every job's <see cref="JobProgress"/> weighs nodes by their work (issue 15 item 2): steps from the workflow's inputs,
/// costs learnt from the client's progress history on a workflow's next run, and an estimated remaining time — in the
/// pure machine and through a client over the fake server, in virtual time.
/// </summary>
public sealed class JobProgressWeightingTests : IAsyncLifetime
{
    private const string Id = "p-1";

    // A loader, a 20-step sampler, a save: the sampler is 20 of 22 units of work.
    private const string SamplerWorkflow = """
        {"1": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 64, "batch_size": 1, "color": 0}},
         "2": {"class_type": "KSampler", "inputs": {"steps": 20, "image": ["1", 0]}},
         "3": {"class_type": "SaveImage", "inputs": {"images": ["2", 0], "filename_prefix": "x"}}}
        """;

    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly JobTestServer _server = new();

    public Task InitializeAsync() => Task.CompletedTask;

    // IAsyncLifetime, not IAsyncDisposable: xunit 2 never calls a test class's DisposeAsync (emulators and pools leaked).
    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public void Machine_StepsInput_TheSamplerCoversItsStepsShareOfTheBar()
    {
        var run = new MachineRun(Workflow.Parse(SamplerWorkflow));

        run.Step(Event(new ExecutionStartEvent(Id, 1)));
        run.Step(Event(new ExecutingEvent("1", "1", Id)));
        var afterLoader = run.Step(Event(new ExecutingEvent("2", "2", Id)));
        var halfway = run.Step(Event(new ProgressEvent(10, 20, Id, "2")));

        Assert.Equal(1.0 / 22, Assert.Single(afterLoader.OfType<JobProgress>()).Fraction, 6);   // equal weights said 1/3
        Assert.Equal(11.0 / 22, Assert.Single(halfway.OfType<JobProgress>()).Fraction, 6);
    }

    [Fact]
    public void Machine_ProgressStateZeroOfOne_DoesNotShrinkTheSamplerToOneStep()
    {
        var run = new MachineRun(Workflow.Parse(SamplerWorkflow));
        run.Step(Event(new ExecutionStartEvent(Id, 1)));
        run.Step(Event(new ExecutingEvent("1", "1", Id)));

        // A real server announces a starting node as running 0 of 1 before its executing frame (real-transcripts.md).
        run.Step(Event(new ProgressStateEvent(Id, new Dictionary<string, NodeProgressState>
        {
            ["1"] = new(1, 1, NodeProgressState.Finished, "1", Id, "1", null, "1"),
            ["2"] = new(0, 1, NodeProgressState.Running, "2", Id, "2", null, "2"),
        })));
        var started = run.Step(Event(new ExecutingEvent("2", "2", Id)));
        var beforeFirstStep = run.State.Progress.Fraction;
        var firstStep = run.Step(Event(new ProgressEvent(1, 20, Id, "2")));

        Assert.Equal(1.0 / 22, beforeFirstStep, 6);   // equal weights to 0-of-1 would say 1/3
        Assert.Empty(started.OfType<JobProgress>());
        Assert.Equal(2.0 / 22, Assert.Single(firstStep.OfType<JobProgress>()).Fraction, 6);
    }

    [Fact]
    public void Machine_EstimatedRemaining_FromTheRunningNodesStepRate_ZeroAtCompletion()
    {
        var run = new MachineRun(Workflow.Parse(SamplerWorkflow));
        run.Step(Event(new ExecutionStartEvent(Id, 1)));
        run.Step(Event(new ExecutingEvent("1", "1", Id)), seconds: 1);
        run.Step(Event(new ExecutingEvent("2", "2", Id)), seconds: 1);   // the loader took 1 s: one unit per second
        var quarter = run.Step(Event(new ProgressEvent(5, 20, Id, "2")), seconds: 1);   // 5 steps in 1 s
        var done = run.Step(Event(new ExecutingEvent(null, null, Id)), seconds: 1);

        // 15 steps left at 0.2 s each, then the save node: one unit at this run's pace (3 s for 6 units done).
        Assert.Equal(TimeSpan.FromSeconds(3.5), Assert.Single(quarter.OfType<JobProgress>()).EstimatedRemaining!.Value);
        var last = Assert.Single(done.OfType<JobProgress>());
        Assert.Equal((1.0, TimeSpan.Zero), (last.Fraction, last.EstimatedRemaining));
    }

    [Fact]
    public void Machine_LearntCosts_WeighNodesByTheirDurationAndGiveTheTimeLeftBeforeAnyNodeFinishes()
    {
        var workflow = JobTestServer.Basic;
        var learnt = new Dictionary<string, NodeCost>
        {
            ["1"] = new(TimeSpan.FromSeconds(8), 0),
            ["2"] = new(TimeSpan.FromSeconds(1), 0),
            ["3"] = new(TimeSpan.FromSeconds(1), 0),
        };
        var plan = ProgressPlan.For(workflow, null, learnt);
        var run = new MachineRun(workflow, plan);

        run.Step(Event(new ExecutionStartEvent(Id, 1)));
        run.Step(Event(new ExecutingEvent("1", "1", Id)));
        var beforeAnyFinished = run.State.Progress.Remaining(plan, run.Now.UtcDateTime);
        var loaded = run.Step(Event(new ExecutingEvent("2", "2", Id)), seconds: 4);

        Assert.Equal(TimeSpan.FromSeconds(10), beforeAnyFinished);
        var afterLoad = Assert.Single(loaded.OfType<JobProgress>());
        Assert.Equal(0.8, afterLoad.Fraction, 6);
        Assert.Equal(TimeSpan.FromSeconds(1), afterLoad.EstimatedRemaining);   // the loader took half its learnt time: so will the rest
    }

    [Fact]
    public async Task Client_SecondRunOfAWorkflow_WeighsNodesByTheFirstRunsTimes()
    {
        var history = new InMemoryProgressHistory();
        var client = _server.Client(o => o.ProgressHistory = history);

        var first = await RunAsync(client, loaderSeconds: 9);
        var learnt = history.Find(JobTestServer.Basic.Hash);
        var second = await RunAsync(client, loaderSeconds: 9);

        Assert.Equal(TimeSpan.FromSeconds(9), learnt!["1"].Duration);
        Assert.Equal(1.0 / 3, first[0].Fraction, 6);                   // no history: every node one unit
        Assert.Equal(9.0 / 11, second[0].Fraction, 6);                 // learnt: the loader is 9 of 11 seconds
        Assert.Equal(TimeSpan.FromSeconds(2), second[0].EstimatedRemaining);
    }

    [Fact]
    public async Task Client_ProgressHistoryThatThrows_TheJobStillCompletes()
    {
        var client = _server.Client(o => o.ProgressHistory = new ThrowingHistory());

        var progress = await RunAsync(client, loaderSeconds: 1);

        Assert.Equal(1.0, progress[^1].Fraction);
    }

    [Fact]
    public async Task Client_NoProgressHistory_NothingLearnt()
    {
        var client = _server.Client(o => o.ProgressHistory = null);

        await RunAsync(client, loaderSeconds: 9);
        var second = await RunAsync(client, loaderSeconds: 9);

        Assert.Equal(1.0 / 3, second[0].Fraction, 6);
    }

    private static JobInput Event(ComfyEvent e) => new JobInput.Event(e);

    /// <summary>Runs the basic graph: the loader takes <paramref name="loaderSeconds"/>, the other nodes one second each.</summary>
    private async Task<List<JobProgress>> RunAsync(ComfyClient client, int loaderSeconds)
    {
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
        var id = (await rec.WaitFor<JobQueued>()).PromptId;
        _server.Start(id);
        _server.Executing(id, "1");
        _server.Scheduler.AdvanceBy(TimeSpan.FromSeconds(loaderSeconds).Ticks);
        _server.Executing(id, "2");
        _server.Scheduler.AdvanceBy(TimeSpan.FromSeconds(1).Ticks);
        _server.Executing(id, "3");
        _server.Scheduler.AdvanceBy(TimeSpan.FromSeconds(1).Ticks);
        _server.Executed(id, "3", JobTestServer.ImageOutput("a.png"));
        _server.Finish(id);
        await rec.Ended;
        Assert.Null(rec.Error);
        return [.. rec.Updates.OfType<JobProgress>()];
    }

    /// <summary>The machine stepped by hand, one second apart unless told, with the progress plan given.</summary>
    private sealed class MachineRun
    {
        private readonly JobContext _context;
        private DateTimeOffset _now = T0;

        public MachineRun(Workflow workflow, ProgressPlan? plan = null)
        {
            _context = new JobContext(workflow, new JobOptions(), new ComfyApi(new ComfyClientOptions { BaseAddress = new Uri("http://comfy.test:8188/") }))
            {
                Expected = [.. workflow.NodeIds],
                Plan = plan,
            };
            State = new JobState { Server = "http://comfy.test:8188", ClientId = "client-1", PromptId = Id };
            Step(new JobInput.Posting(workflow.Count));
            Step(new JobInput.Accepted(new PromptResponse { PromptId = Id }));
        }

        public JobState State { get; private set; }

        public DateTimeOffset Now => _now;

        public IReadOnlyList<JobUpdate> Step(JobInput input, double seconds = 0)
        {
            _now += TimeSpan.FromSeconds(seconds);
            var step = JobMachine.Step(State, input, in _context, _now);
            State = step.State;
            return step.Updates;
        }
    }

    private sealed class ThrowingHistory : IProgressHistory
    {
        public IReadOnlyDictionary<string, NodeCost>? Find(string workflowHash) => throw new InvalidOperationException("store down");

        public void Record(string workflowHash, IReadOnlyDictionary<string, NodeCost> costs) => throw new InvalidOperationException("store down");
    }
}
