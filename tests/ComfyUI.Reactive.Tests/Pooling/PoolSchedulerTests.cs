using ComfyUI.Reactive.Pooling;
using static ComfyUI.Reactive.Tests.Pooling.PoolSchedulerHarness;

namespace ComfyUI.Reactive.Tests.Pooling;

public sealed class PoolSchedulerTests : IDisposable
{
    private readonly PoolSchedulerHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static long Seconds(double s) => TimeSpan.FromSeconds(s).Ticks;

    private static ComfyConnectionException Refused() => new("refused");

    /// <summary>A server fault about the workflow on that server (it counts towards cooldowns; a refusal does not).</summary>
    private static ComfyTimeoutException TimedOut() => new("inactivity", TimeSpan.FromSeconds(1), "hung");

    [Fact]
    public void Submit_NoServerCanRun_ThrowsAtOnceWithEachServersReason()
    {
        _h.Add("a", Caps("SaveImage"));
        _h.Add("b", Caps("SaveImage"), healthy: false);

        var ex = Assert.Throws<ComfyNoCapableServerException>(() => { _h.Submit("x", classes: ["SaveImage", "RareNode"]); });

        Assert.Equal("missing node types: RareNode", ex.Reasons[new ServerId("a")]);
        Assert.Equal("missing node types: RareNode", ex.Reasons[new ServerId("b")]);
        Assert.Equal(0, _h.Queue.Count);
        Assert.Empty(_h.Starts);
    }

    [Fact]
    public void Submit_EmptyPool_Throws()
    {
        var ex = Assert.Throws<ComfyNoCapableServerException>(() => { _h.Submit("x"); });

        Assert.Empty(ex.Reasons);
    }

    [Fact]
    public void Submit_CapabilitiesNotKnownYet_WaitsThenRunsWhenKnown()
    {
        var a = new ServerId("a");
        _h.Pool.AddServer(a, capabilities: null);
        _h.Pool.SetHealth(a, ServerHealth.Healthy);

        var outcome = _h.Submit("x");
        Assert.Empty(_h.Starts);
        _h.Pool.SetCapabilities(a, Caps("SaveImage"));

        Assert.Equal(["x"], _h.StartedIds(a));
        Assert.False(outcome.IsCompleted);
    }

    [Fact]
    public void SetCapabilities_LastCapableServerLosesNode_WaitingItemFailsWithReasons()
    {
        var a = new ServerId("a");
        _h.Pool.AddServer(a, capabilities: null);
        var outcome = _h.Submit("x", classes: ["RareNode"]);

        _h.Pool.SetCapabilities(a, Caps("SaveImage"));

        Assert.True(outcome.IsCompleted);
        Assert.Equal(PoolItemStatus.Failed, Done(outcome).Status);
        var error = Assert.IsType<ComfyNoCapableServerException>(Done(outcome).Error);
        Assert.Equal("missing node types: RareNode", error.Reasons[a]);
    }

    [Fact]
    public void Dispatch_OneServerCapOne_PriorityThenFifo()
    {
        var a = _h.Add("a", capacity: 1);
        _h.Submit("blocker");
        _h.Submit("low1", priority: 0);
        _h.Submit("high1", priority: 5, hash: "h2");
        _h.Submit("low2", priority: 0);
        _h.Submit("high2", priority: 5);
        _h.Submit("mid", priority: 2);

        for (var i = 0; i < 6; i++)
        {
            _h.Starts[i].Succeed();
        }

        Assert.Equal(["blocker", "high1", "high2", "mid", "low1", "low2"], _h.StartedIds(a));
    }

    [Fact]
    public void Dispatch_EqualPriority_ItemFewServersCanRunGoesFirst()
    {
        var a = _h.Add("a", Caps("SaveImage", "RareNode"), capacity: 1);
        var b = _h.Add("b", Caps("SaveImage"), capacity: 1);
        _h.Submit("busy-a");
        _h.Submit("busy-b");
        _h.Submit("common");
        _h.Submit("rare", classes: ["RareNode"]);

        _h.Running("busy-a").Succeed();

        // "common" was first, but b can run it too; a is the only server for "rare".
        Assert.Equal(["busy-a", "rare"], _h.StartedIds(a));
        _h.Running("busy-b").Succeed();
        Assert.Equal(["busy-b", "common"], _h.StartedIds(b));
    }

    [Fact]
    public void Dispatch_DefaultCapacity_TwoInFlightPerServer()
    {
        var a = _h.Add("a");
        var b = _h.Add("b");
        for (var i = 0; i < 6; i++)
        {
            _h.Submit($"j{i}");
        }

        Assert.Equal(2, _h.StartedIds(a).Count);
        Assert.Equal(2, _h.StartedIds(b).Count);
        Assert.Equal(2, _h.Queue.Count);
        Assert.Contains(new ServerStatus(a, ServerState.Busy, 2, 2), _h.Statuses);
    }

    [Fact]
    public void Dispatch_SpreadsOverIdleServersFirst()
    {
        var a = _h.Add("a");
        var b = _h.Add("b");
        var c = _h.Add("c");

        _h.Submit("j0");
        _h.Submit("j1");
        _h.Submit("j2");

        Assert.Equal([a, b, c], _h.Starts.Select(s => s.Server));
    }

    [Fact]
    public void Dispatch_CustomCapacity_Honoured()
    {
        var a = _h.Add("a", capacity: 3);
        for (var i = 0; i < 5; i++)
        {
            _h.Submit($"j{i}");
        }

        Assert.Equal(3, _h.StartedIds(a).Count);
    }

    [Fact]
    public void Dispatch_ServerFinishes_NextStartsAtTheSameInstant()
    {
        var a = _h.Add("a", capacity: 1);
        _h.SucceedAfter(TimeSpan.FromSeconds(10));
        var outcomes = Enumerable.Range(0, 3).Select(i => _h.Submit($"j{i}")).ToList();

        _h.Clock.AdvanceTo(Seconds(30));

        Assert.Equal([0, Seconds(10), Seconds(20)], _h.Starts.Select(s => s.Ticks));
        Assert.All(outcomes, o => Assert.Equal(PoolItemStatus.Succeeded, Done(o).Status));
        Assert.Equal(TimeSpan.FromSeconds(10), Done(outcomes[2]).RunTime);
        Assert.Equal(TimeSpan.FromSeconds(20), Done(outcomes[2]).WaitTime);
        Assert.Equal(a, Done(outcomes[2]).Server);
    }

    [Fact]
    public void Health_UnhealthyLeavesRotation_HealthyReturnsAndTakesWorkAtOnce()
    {
        var a = _h.Add("a");
        _h.Pool.SetHealth(a, ServerHealth.Unhealthy);

        _h.Submit("x");
        Assert.Empty(_h.Starts);
        Assert.Equal(new ServerStatus(a, ServerState.Unhealthy, 0, 2), _h.Statuses[^1]);

        _h.Pool.SetHealth(a, ServerHealth.Healthy);

        Assert.Equal(["x"], _h.StartedIds(a));
        Assert.Equal(new ServerStatus(a, ServerState.Busy, 1, 2), _h.Statuses[^1]);
    }

    [Fact]
    public void Health_Disconnected_KeepsInFlightButTakesNothingNew()
    {
        var a = _h.Add("a");
        var running = _h.Submit("running");

        _h.Pool.SetHealth(a, ServerHealth.Disconnected);
        var waiting = _h.Submit("waiting");

        Assert.Equal(["running"], _h.StartedIds());
        Assert.False(_h.Running("running").Disposed);
        _h.Running("running").Succeed();
        Assert.Equal(PoolItemStatus.Succeeded, Done(running).Status);
        Assert.False(waiting.IsCompleted);
        Assert.Equal(new ServerStatus(a, ServerState.Connecting, 0, 2), _h.Statuses[^1]);
    }

    [Fact]
    public void Health_DeadMidAttempt_RedispatchedAtOnceAndLateResultIgnored()
    {
        var a = _h.Add("a");
        var b = _h.Add("b");
        _h.Submit("busy-a");
        _h.Clock.AdvanceTo(Seconds(1));
        var outcome = _h.Submit("x");
        var first = _h.Running("x");
        Assert.Equal(b, first.Server);
        _h.Clock.AdvanceTo(Seconds(5));

        _h.Pool.SetHealth(b, ServerHealth.Dead);

        var second = _h.Running("x");
        Assert.Equal(a, second.Server);
        Assert.Equal(Seconds(5), second.Ticks);
        Assert.True(first.Disposed);
        Assert.Equal(new ServerStatus(b, ServerState.Unhealthy, 0, 2), _h.Statuses.Last(s => s.Server == b));
        first.Succeed(); // the dead server's late report
        Assert.False(outcome.IsCompleted);
        second.Succeed();
        Assert.Equal(PoolItemStatus.Succeeded, Done(outcome).Status);
        Assert.Equal(a, Done(outcome).Server);
        Assert.Equal(2, Done(outcome).Attempts);
    }

    [Fact]
    public void ServerFault_RetriedOnAnotherServerEvenIfTheFailedOneIsFree()
    {
        var a = _h.Add("a", capacity: 1);
        var b = _h.Add("b", capacity: 1);
        _h.Submit("busy-b-later", hash: "other");
        var outcome = _h.Submit("x");
        Assert.Equal(a, _h.Running("busy-b-later").Server);
        Assert.Equal(b, _h.Running("x").Server);

        _h.Running("x").Fail(Refused());
        Assert.Equal(2, _h.Starts.Count); // a is busy, b failed it: x waits for a
        _h.Running("busy-b-later").Succeed();

        Assert.Equal(a, _h.Running("x").Server);
        _h.Running("x").Succeed();
        Assert.Equal(2, Done(outcome).Attempts);
    }

    [Fact]
    public void ServerFault_OnlyServer_RetriedThereAfterTheRetryDelay()
    {
        var a = _h.Add("a");
        var outcome = _h.Submit("x");

        _h.Running("x").Fail(Refused());
        _h.Clock.AdvanceTo(Seconds(0.999));
        Assert.Single(_h.Starts); // not in a hot loop on the one server that just failed it
        _h.Clock.AdvanceTo(Seconds(1));
        _h.Running("x").Succeed();

        Assert.Equal([a, a], _h.Starts.Select(s => s.Server));
        Assert.Equal(PoolItemStatus.Succeeded, Done(outcome).Status);
    }

    [Fact]
    public void ServerFault_EveryAttempt_FailsAfterMaxAttemptsWithLastError()
    {
        _h.Add("a");
        _h.Add("b");
        var errors = new List<Exception>();
        _h.Behaviour = _ =>
        {
            var error = new ComfyTimeoutException("start", TimeSpan.FromSeconds(1), $"late {errors.Count}");
            errors.Add(error);
            return System.Reactive.Linq.Observable.Throw<AttemptOutcome>(error);
        };

        var outcome = _h.Submit("x", maxAttempts: 3);
        Assert.Equal(2, _h.Starts.Count); // a, then b at once; the third waits for the retry delay
        _h.Clock.AdvanceTo(Seconds(1));

        Assert.Equal(3, _h.Starts.Count);
        Assert.Equal([1, 2, 3], _h.Starts.Select(s => s.Number));
        Assert.Equal(PoolItemStatus.Failed, Done(outcome).Status);
        Assert.Same(errors[^1], Done(outcome).Error);
        Assert.Equal(3, Done(outcome).Attempts);
    }

    [Fact]
    public void WorkflowFault_FailsAtOnceWithoutRetry()
    {
        _h.Add("a");
        _h.Add("b");
        var outcome = _h.Submit("x");
        var rejected = new ComfyPromptValidationException("bad");

        _h.Running("x").Fail(rejected);

        Assert.Single(_h.Starts);
        Assert.Equal(PoolItemStatus.Failed, Done(outcome).Status);
        Assert.Same(rejected, Done(outcome).Error);
    }

    [Fact]
    public void WorkflowFault_ExtraRuleFromOptions_Honoured()
    {
        using var h = new PoolSchedulerHarness(new PoolSchedulerOptions { IsWorkflowFault = e => e is InvalidOperationException });
        h.Add("a");
        var outcome = h.Submit("x");

        h.Running("x").Fail(new InvalidOperationException("node raised"));

        Assert.Single(h.Starts);
        Assert.Equal(PoolItemStatus.Failed, Done(outcome).Status);
    }

    [Fact]
    public void Cooldown_NthFailureOfHashOnServer_KeepsThatHashAwayForThePeriodOnly()
    {
        using var h = new PoolSchedulerHarness(new PoolSchedulerOptions { CooldownThreshold = 2, CooldownPeriod = TimeSpan.FromSeconds(60) });
        var a = h.Add("a", capacity: 1);
        var x = h.Submit("x", hash: "bad", maxAttempts: 5);
        h.Running("x").Fail(TimedOut()); // 1st failure: retried after the retry delay
        h.Clock.AdvanceTo(Seconds(1));
        Assert.Equal(2, h.Starts.Count);
        h.Running("x").Fail(TimedOut()); // 2nd: cooldown starts at 1 s

        var other = h.Submit("y", hash: "good");
        Assert.Equal("y", h.Starts[^1].ItemId); // other workflows still run there
        h.Running("y").Succeed();
        h.Clock.AdvanceTo(Seconds(60.9));
        Assert.Equal(3, h.Starts.Count);
        h.Clock.AdvanceTo(Seconds(61));

        Assert.Equal(4, h.Starts.Count);
        Assert.Equal(("x", Seconds(61)), (h.Starts[^1].ItemId, h.Starts[^1].Ticks));
        Assert.Equal(a, h.Starts[^1].Server);
        Assert.Equal(PoolItemStatus.Succeeded, Done(other).Status);
        Assert.False(x.IsCompleted);
    }

    [Fact]
    public void Cooldown_WorkflowFaultsDoNotCount()
    {
        using var h = new PoolSchedulerHarness(new PoolSchedulerOptions { CooldownThreshold = 1, CooldownPeriod = TimeSpan.FromSeconds(60) });
        h.Add("a", capacity: 1);
        h.Submit("x");
        h.Running("x").Fail(new ComfyPromptValidationException("bad"));

        h.Submit("y");

        Assert.Equal(["x", "y"], h.StartedIds());
    }

    [Fact]
    public void Cooldown_ServerWideFailures_DoNotBenchTheServerForTheWorkflow()
    {
        // One pipeline (one structural hash) on one server: refusals, lost prompts and 503s are the server's trouble,
        // not the workflow's; after any number of them the server still takes the pipeline as soon as it answers.
        using var h = new PoolSchedulerHarness(new PoolSchedulerOptions { CooldownThreshold = 2, CooldownPeriod = TimeSpan.FromSeconds(60) });
        h.Add("a", capacity: 1);
        var x = h.Submit("x", hash: "h", maxAttempts: 10);
        h.Running("x").Fail(Refused());
        h.Clock.AdvanceTo(Seconds(1));
        h.Running("x").Fail(new ComfyJobLostException("p", "http://a"));
        h.Clock.AdvanceTo(Seconds(2));
        h.Running("x").Fail(new ComfyApiException("unavailable", System.Net.HttpStatusCode.ServiceUnavailable, "POST", null, null));
        h.Clock.AdvanceTo(Seconds(3));
        h.Running("x").Fail(Refused());
        h.Clock.AdvanceTo(Seconds(4));

        var y = h.Submit("y", hash: "h");
        h.Running("x").Succeed();

        Assert.Equal(["x", "x", "x", "x", "x", "y"], h.StartedIds());
        Assert.Equal(PoolItemStatus.Succeeded, Done(x).Status);
        Assert.False(y.IsCompleted);
    }

    [Fact]
    public void Cooldown_OtherServerTakesTheHash()
    {
        using var h = new PoolSchedulerHarness(new PoolSchedulerOptions { CooldownThreshold = 1, CooldownPeriod = TimeSpan.FromSeconds(60) });
        var a = h.Add("a", capacity: 1);
        var b = h.Add("b", capacity: 1);
        h.Submit("busy-b", hash: "other");
        h.Submit("x");
        Assert.Equal(a, h.Running("busy-b").Server);
        h.Running("x").Fail(TimedOut()); // b cools down for "h"

        h.Running("busy-b").Succeed();

        Assert.Equal(a, h.Running("x").Server);
        Assert.Equal(b, h.Starts[1].Server);
    }

    [Fact]
    public void Outcome_AttemptReportsTwice_OneOutcome()
    {
        _h.Add("a");
        var outcome = _h.Submit("x");
        var attempt = _h.Running("x");

        attempt.Outcomes.OnNext(AttemptOutcome.Success);
        attempt.Outcomes.OnNext(AttemptOutcome.Failure(Refused()));
        attempt.Outcomes.OnError(Refused());

        Assert.Single(_h.Starts);
        Assert.Equal(PoolItemStatus.Succeeded, Done(outcome).Status);
        Assert.Equal(0, _h.Queue.Count + _h.Queue.ReservedCount);
    }

    [Fact]
    public void Outcome_AttemptCompletesWithoutResult_ServerFault()
    {
        _h.Add("a");
        var outcome = _h.Submit("x", maxAttempts: 1);

        _h.Running("x").Outcomes.OnCompleted();

        Assert.IsType<ComfyConnectionException>(Done(outcome).Error);
    }

    [Fact]
    public void Outcome_SeamThrows_ServerFaultAndRetried()
    {
        _h.Add("a");
        var calls = 0;
        _h.Behaviour = _ => ++calls == 1 ? throw new InvalidOperationException("boom") : System.Reactive.Linq.Observable.Return(AttemptOutcome.Success);

        var outcome = _h.Submit("x");
        _h.Clock.AdvanceTo(Seconds(1));

        Assert.Equal(PoolItemStatus.Succeeded, Done(outcome).Status);
        Assert.Equal(2, Done(outcome).Attempts);
    }

    [Fact]
    public void Outcome_SynchronousSuccess_DrainsQueueWithoutRecursionProblems()
    {
        _h.Add("a", capacity: 1);
        _h.Behaviour = _ => System.Reactive.Linq.Observable.Return(AttemptOutcome.Success);

        var outcomes = Enumerable.Range(0, 500).Select(i => _h.Submit($"j{i}")).ToList();

        Assert.All(outcomes, o => Assert.Equal(PoolItemStatus.Succeeded, Done(o).Status));
        Assert.Equal(500, _h.Starts.Count);
    }

    [Fact]
    public void RemoveServer_MidAttempt_RedispatchedOnceAndRemovedStatusPublished()
    {
        var a = _h.Add("a");
        var b = _h.Add("b");
        _h.Pool.SetHealth(b, ServerHealth.Unhealthy);
        var outcome = _h.Submit("x");
        var first = _h.Running("x");

        Assert.True(_h.Pool.RemoveServer(a));
        Assert.Single(_h.Starts); // b is out of rotation: x waits
        first.Succeed();
        Assert.False(outcome.IsCompleted);
        _h.Pool.SetHealth(b, ServerHealth.Healthy);
        _h.Running("x").Succeed();

        Assert.Equal([a, b], _h.Starts.Select(s => s.Server));
        Assert.True(first.Disposed);
        Assert.Equal(PoolItemStatus.Succeeded, Done(outcome).Status);
        Assert.Contains(new ServerStatus(a, ServerState.Removed, 0, 2), _h.Statuses);
    }

    [Fact]
    public void RemoveServer_LastCapable_WaitingItemsFail()
    {
        var a = _h.Add("a", Caps("SaveImage", "RareNode"));
        var b = _h.Add("b", Caps("SaveImage"));
        _h.Pool.SetHealth(a, ServerHealth.Unhealthy);
        var outcome = _h.Submit("x", classes: ["RareNode"]);

        _h.Pool.RemoveServer(a);

        var error = Assert.IsType<ComfyNoCapableServerException>(Done(outcome).Error);
        Assert.Equal([b], error.Reasons.Keys);
        Assert.Equal(0, _h.Queue.Count);
    }

    [Fact]
    public void Cancel_Waiting_NeverStarts()
    {
        _h.Add("a", capacity: 1);
        _h.Submit("busy");
        var outcome = _h.Submit("x");

        Assert.True(_h.Pool.Cancel("x"));
        _h.Running("busy").Succeed();

        Assert.Equal(["busy"], _h.StartedIds());
        Assert.Equal(PoolItemStatus.Cancelled, Done(outcome).Status);
        Assert.False(_h.Pool.Cancel("x"));
    }

    [Fact]
    public void Cancel_Running_DisposesAttemptFreesSlotAndIgnoresLateResult()
    {
        _h.Add("a", capacity: 1);
        var outcome = _h.Submit("x");
        var next = _h.Submit("y");
        var attempt = _h.Running("x");

        _h.Pool.Cancel("x");
        attempt.Succeed();

        Assert.True(attempt.Disposed);
        Assert.Equal(PoolItemStatus.Cancelled, Done(outcome).Status);
        Assert.Equal(["x", "y"], _h.StartedIds());
        Assert.False(next.IsCompleted);
    }

    [Fact]
    public void Affinity_EquallyFreeServers_LastCheckpointWins()
    {
        var a = _h.Add("a", capacity: 1);
        var b = _h.Add("b", capacity: 1);
        _h.Submit(Checkpointed("warm-a", "x.safetensors"));
        _h.Submit(Checkpointed("warm-b", "y.safetensors"));
        _h.Running("warm-a").Succeed();
        _h.Running("warm-b").Succeed();

        // a got work longest ago and would be asked first, but b has y loaded.
        _h.Submit(Checkpointed("wants-y", "y.safetensors"));
        _h.Submit(Checkpointed("wants-x", "x.safetensors"));

        Assert.Equal(b, _h.Running("wants-y").Server);
        Assert.Equal(a, _h.Running("wants-x").Server);
    }

    [Fact]
    public void Servers_LateSubscriber_GetsEveryServersLatestStatus()
    {
        var a = _h.Add("a");
        var b = _h.Add("b", healthy: false);
        _h.Submit("x");
        var seen = new List<ServerStatus>();

        _h.Pool.Servers.Subscribe(seen.Add);

        Assert.Equal([new ServerStatus(a, ServerState.Busy, 1, 2), new ServerStatus(b, ServerState.Connecting, 0, 2)], seen);
    }

    [Fact]
    public void Dispose_CancelsEverythingOnce()
    {
        _h.Add("a", capacity: 1);
        var running = _h.Submit("x");
        var waiting = _h.Submit("y");

        _h.Pool.Dispose();
        _h.Running("x").Succeed();

        Assert.Equal(PoolItemStatus.Cancelled, Done(running).Status);
        Assert.Equal(PoolItemStatus.Cancelled, Done(waiting).Status);
        Assert.True(_h.Running("x").Disposed);
    }

    private static PoolWorkItem Checkpointed(string id, string checkpoint) => new()
    {
        Id = id,
        Requirements = new WorkflowRequirements
        {
            ClassTypes = ["CheckpointLoaderSimple"],
            Models = [new ModelRequirement("1", "CheckpointLoaderSimple", "ckpt_name", checkpoint)],
        },
        WorkflowJson = "{}",
        WorkflowHash = checkpoint,
    };
}
