using ComfyUI.Reactive.Pooling;
using static ComfyUI.Reactive.Tests.Pooling.PoolSchedulerHarness;

namespace ComfyUI.Reactive.Tests.Pooling;

/// <summary>
/// Waiting is not failing: a retry delay that a timer ends early is still honoured, and a start timeout on a server busy
/// with other work neither burns an attempt nor keeps the job off a server that could start it now.
/// </summary>
public sealed class PoolSchedulerWaitingTests
{
    private static long Seconds(double s) => TimeSpan.FromSeconds(s).Ticks;

    private static ComfyConnectionException Refused() => new("refused");

    private static ComfyTimeoutException Busy() =>
        new("start", TimeSpan.FromSeconds(5), "not started; the server was busy running another prompt") { ServerBusy = true };

    [Fact]
    public void ServerFault_RetryDelayTimerFiresEarly_RetriedAfterTheDelayAnyway()
    {
        // The reproduction of the stalled pool: the one pump scheduled for the end of the retry delay ran 1 ms before the
        // clock reached RetryAt, found nothing it could take, and nothing ever pumped again.
        using var h = new PoolSchedulerHarness(timers: SkewedTimerScheduler.Early(TimeSpan.FromMilliseconds(1)));
        var a = h.Add("a");
        var outcome = h.Submit("x");

        h.Running("x").Fail(Refused());
        h.Clock.AdvanceTo(Seconds(0.9995));
        Assert.Single(h.Starts); // not before the delay
        h.Clock.AdvanceTo(Seconds(2));

        Assert.Equal(2, h.Starts.Count);
        Assert.True(h.Starts[1].Ticks >= Seconds(1));
        h.Running("x").Succeed();
        Assert.Equal(PoolItemStatus.Succeeded, Done(outcome).Status);
        Assert.Empty(h.Pool.FindStrandedItems());
    }

    [Fact]
    public void ServerFault_SeveralItemsWithStaggeredDelaysAndEarlyTimers_EveryOneRetried()
    {
        using var h = new PoolSchedulerHarness(timers: SkewedTimerScheduler.Early(TimeSpan.FromMilliseconds(1)));
        h.Add("a", capacity: 3);
        var outcomes = new[] { h.Submit("x"), h.Submit("y"), h.Submit("z") };

        h.Running("x").Fail(Refused());
        h.Clock.AdvanceTo(Seconds(0.3));
        h.Running("y").Fail(Refused());
        h.Clock.AdvanceTo(Seconds(0.6));
        h.Running("z").Fail(Refused());
        h.Clock.AdvanceTo(Seconds(5));

        Assert.Equal(6, h.Starts.Count);
        foreach (var id in new[] { "x", "y", "z" })
        {
            h.Running(id).Succeed();
        }

        Assert.All(outcomes, o => Assert.Equal(PoolItemStatus.Succeeded, Done(o).Status));
    }

    [Fact]
    public void BusyWait_OnlyServer_TakenAgainAtOnceWithoutCountingTheAttempt()
    {
        using var h = new PoolSchedulerHarness();
        var a = h.Add("a");
        var outcome = h.Submit("x", maxAttempts: 1);

        for (var i = 0; i < 5; i++)
        {
            h.Running("x").Fail(Busy()); // five start timeouts behind another client's long job
        }

        Assert.Equal(6, h.Starts.Count);
        Assert.All(h.Starts, s => Assert.Equal((a, 1), (s.Server, s.Number)));
        Assert.False(outcome.IsCompleted);
        h.Running("x").Succeed();

        Assert.Equal(PoolItemStatus.Succeeded, Done(outcome).Status);
        Assert.Equal(1, Done(outcome).Attempts);
    }

    [Fact]
    public void BusyWait_AnotherServerHasRoom_MovesThereAtOnce()
    {
        using var h = new PoolSchedulerHarness();
        var a = h.Add("a");
        var b = h.Add("b");
        h.Submit("long");                     // a
        var outcome = h.Submit("x");          // b (least loaded)
        Assert.Equal(b, h.Running("x").Server);
        h.Running("long").Fail(Busy());       // a is busy with someone else's work: "long" goes to b's free slot...
        Assert.Equal(b, h.Running("long").Server);

        h.Running("x").Fail(Busy());          // ...and x, busy on b, goes to a, which is now the least loaded anyway
        Assert.Equal(a, h.Running("x").Server);

        h.Running("x").Succeed();
        Assert.Equal(PoolItemStatus.Succeeded, Done(outcome).Status);
    }

    [Fact]
    public void BusyWait_TheBusyServerIsLeastLoaded_TheOtherServerWithRoomStillGetsTheJob()
    {
        using var h = new PoolSchedulerHarness();
        var a = h.Add("a");
        var b = h.Add("b");
        h.Submit("other1");                   // a
        h.Submit("other2");                   // b
        var outcome = h.Submit("x");          // a (a and b have one each; a asked first)
        Assert.Equal(a, h.Running("x").Server);
        h.Running("other1").Succeed();        // a: x only; b: other2

        h.Running("x").Fail(Busy());

        // a has nothing in flight and would ask first, but x just waited there: b, which has room, starts it.
        Assert.Equal(b, h.Running("x").Server);
        Assert.Equal(1, h.Running("x").Number);
        h.Running("x").Succeed();
        Assert.Equal(PoolItemStatus.Succeeded, Done(outcome).Status);
    }

    [Fact]
    public void BusyWait_OtherServerFull_StaysOnTheBusyServer()
    {
        using var h = new PoolSchedulerHarness();
        var a = h.Add("a", capacity: 1);
        h.Add("b", capacity: 1);
        var outcome = h.Submit("x");
        h.Submit("y");
        Assert.Equal(a, h.Running("x").Server);

        h.Running("x").Fail(Busy());

        Assert.Equal(a, h.Running("x").Server); // b has no room: waiting in a's own queue is the best place
        Assert.False(outcome.IsCompleted);
        Assert.Empty(h.Pool.FindStrandedItems());
    }

    [Fact]
    public void AttemptFailures_BusyWaitThenFaultsToTheLast_ReportedInOrderWithWhetherTheJobGoesOn()
    {
        using var h = new PoolSchedulerHarness();
        var a = h.Add("a");
        var outcome = h.Submit("x", maxAttempts: 2);

        h.Running("x").Fail(Busy());
        h.Running("x").Fail(Refused());
        h.Clock.AdvanceTo(Seconds(1));
        h.Running("x").Fail(Refused());

        Assert.Collection(
            h.Failures,
            f => Assert.Equal(("x", a, 1, true, typeof(ComfyTimeoutException)), (f.ItemId, f.Server, f.Attempt, f.WillRetry, f.Error.GetType())),
            f => Assert.Equal(("x", a, 1, true), (f.ItemId, f.Server, f.Attempt, f.WillRetry)),
            f => Assert.Equal(("x", a, 2, false), (f.ItemId, f.Server, f.Attempt, f.WillRetry)));
        Assert.Equal(PoolItemStatus.Failed, Done(outcome).Status);
    }

    [Fact]
    public void AttemptFailures_ServerDies_TheAbandonedAttemptIsReported()
    {
        using var h = new PoolSchedulerHarness();
        var a = h.Add("a");
        h.Add("b");
        h.Submit("x");

        h.Pool.SetHealth(a, ServerHealth.Dead);

        var failure = Assert.Single(h.Failures);
        Assert.Equal((a, 1, true), (failure.Server, failure.Attempt, failure.WillRetry));
        Assert.IsType<ComfyConnectionException>(failure.Error);
    }

    [Fact]
    public void StartTimeout_ServerNotBusy_IsAServerFaultThatCountsAnAttempt()
    {
        using var h = new PoolSchedulerHarness();
        h.Add("a");
        var outcome = h.Submit("x", maxAttempts: 1);

        h.Running("x").Fail(new ComfyTimeoutException("start", TimeSpan.FromSeconds(5), "stuck queue"));

        Assert.Equal(PoolItemStatus.Failed, Done(outcome).Status);
    }
}
