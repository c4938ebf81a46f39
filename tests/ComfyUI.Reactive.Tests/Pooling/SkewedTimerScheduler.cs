using System.Reactive.Concurrency;
using Microsoft.Reactive.Testing;

namespace ComfyUI.Reactive.Tests.Pooling;

/// <summary>
/// A virtual clock whose timers fire early or late by the amount <c>skew</c> gives for each due time, the way Rx's
/// default scheduler ran one-second timers up to a millisecond before <see cref="IScheduler.Now"/> reached their due
/// time. A timer never fires before it was scheduled. <see cref="Now"/> is the true virtual time.
/// </summary>
internal sealed class SkewedTimerScheduler(TestScheduler clock, Func<TimeSpan, TimeSpan> skew) : IScheduler
{
    /// <summary>Every timer fires exactly <paramref name="early"/> before its due time (at once if it is due sooner).</summary>
    public static Func<TestScheduler, IScheduler> Early(TimeSpan early) => c => new SkewedTimerScheduler(c, _ => -early);

    /// <summary>Every timer fires early by up to 2 ms or late by up to 5 ms, drawn from <paramref name="random"/>.</summary>
    public static Func<TestScheduler, IScheduler> Jittery(Random random) =>
        c => new SkewedTimerScheduler(c, _ => TimeSpan.FromTicks(random.NextInt64(-20_000, 50_000)));

    public DateTimeOffset Now => clock.Now;

    public IDisposable Schedule<TState>(TState state, Func<IScheduler, TState, IDisposable> action) =>
        clock.Schedule(state, (_, s) => action(this, s));

    public IDisposable Schedule<TState>(TState state, TimeSpan dueTime, Func<IScheduler, TState, IDisposable> action)
    {
        var actual = dueTime + skew(dueTime);
        return clock.Schedule(state, actual > TimeSpan.Zero ? actual : TimeSpan.Zero, (_, s) => action(this, s));
    }

    public IDisposable Schedule<TState>(TState state, DateTimeOffset dueTime, Func<IScheduler, TState, IDisposable> action) =>
        Schedule(state, dueTime - Now, action);
}
