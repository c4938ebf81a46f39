using System.Reactive.Concurrency;
using ComfyUI.Reactive.Pooling;
using Microsoft.Reactive.Testing;

namespace ComfyUI.Reactive.Tests.Pooling;

public sealed class DeadlineTests
{
    private readonly TestScheduler _clock = new();

    [Fact]
    public void Schedule_TimerFiresEarly_ActionRunsOnlyOnceTheClockReachedTheDueTime()
    {
        var timers = SkewedTimerScheduler.Early(TimeSpan.FromMilliseconds(1))(_clock);
        var due = _clock.Now + TimeSpan.FromSeconds(1);
        var ranAt = new List<DateTimeOffset>();

        Deadline.Schedule(timers, due, () => ranAt.Add(_clock.Now));
        _clock.AdvanceTo(TimeSpan.FromSeconds(0.9995).Ticks);
        Assert.Empty(ranAt); // the first timer fired at 0.999 s: too early, re-armed
        _clock.AdvanceTo(TimeSpan.FromSeconds(2).Ticks);

        var at = Assert.Single(ranAt);
        Assert.True(at >= due, $"ran at {at:O}, due {due:O}");
    }

    [Fact]
    public void Schedule_RandomlySkewedTimers_NeverRunsEarlyAndAlwaysRuns()
    {
        var random = new Random(7);
        var timers = SkewedTimerScheduler.Jittery(random)(_clock);
        var runs = new List<(DateTimeOffset Due, DateTimeOffset At)>();
        for (var i = 0; i < 200; i++)
        {
            var due = _clock.Now + TimeSpan.FromMilliseconds(random.Next(0, 3000));
            Deadline.Schedule(timers, due, () => runs.Add((due, _clock.Now)));
        }

        _clock.AdvanceBy(TimeSpan.FromSeconds(10).Ticks);

        Assert.Equal(200, runs.Count);
        Assert.All(runs, r => Assert.True(r.At >= r.Due));
    }

    [Fact]
    public void Schedule_AlreadyDue_RunsOnTheSchedulerNotInline()
    {
        var ran = false;
        _clock.AdvanceTo(TimeSpan.FromSeconds(5).Ticks);
        Deadline.Schedule(_clock, _clock.Now - TimeSpan.FromSeconds(1), () => ran = true);
        Assert.False(ran);
        _clock.AdvanceBy(1);
        Assert.True(ran);
    }

    [Fact]
    public void Schedule_Disposed_NeverRuns()
    {
        var ran = false;
        var timers = SkewedTimerScheduler.Early(TimeSpan.FromMilliseconds(1))(_clock);
        var timer = Deadline.Schedule(timers, _clock.Now + TimeSpan.FromSeconds(1), () => ran = true);
        _clock.AdvanceTo(TimeSpan.FromSeconds(0.9995).Ticks); // after the early wake-up: the re-armed timer is cancelled too
        timer.Dispose();
        _clock.AdvanceTo(TimeSpan.FromSeconds(5).Ticks);
        Assert.False(ran);
    }
}
