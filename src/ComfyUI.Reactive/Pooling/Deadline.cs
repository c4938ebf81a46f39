using System.Reactive.Concurrency;
using System.Reactive.Disposables;

namespace ComfyUI.Reactive.Pooling;

/// <summary>
/// Runs an action at or after an absolute time, whatever the precision of the scheduler's timers.
/// </summary>
/// <remarks>
/// Rx's default scheduler can run a timer up to about a millisecond before its <see cref="IScheduler.Now"/> reaches the
/// due time (measured: 56 of 200 one-second timers). A decision deferred "until T" that re-reads the clock when woken
/// would then see "not yet" and, with nothing else pending, never be taken: the pool's retry delay stalled jobs for good
/// exactly that way. So the check is the timer's own business: woken early, it goes back to sleep for what is left.
/// </remarks>
internal static class Deadline
{
    /// <summary>Added to what is left when woken early: a timer that again fires about a millisecond early then lands on
    /// or after the due time instead of spinning on ever shorter timers.</summary>
    private static readonly TimeSpan EarlyWakeMargin = TimeSpan.FromMilliseconds(1);

    /// <summary>Schedules <paramref name="action"/> to run once <paramref name="scheduler"/>'s clock has reached
    /// <paramref name="due"/> (never inline, even when it is already due).</summary>
    /// <param name="scheduler">The clock and timers.</param>
    /// <param name="due">The earliest time the action may run.</param>
    /// <param name="action">What to run.</param>
    /// <returns>Disposing it cancels the action if it has not run.</returns>
    public static IDisposable Schedule(IScheduler scheduler, DateTimeOffset due, Action action)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(action);
        var timer = new SerialDisposable();
        timer.Disposable = scheduler.Schedule(Remaining(scheduler, due), Check);
        return timer;

        void Check()
        {
            var remaining = Remaining(scheduler, due);
            if (remaining > TimeSpan.Zero)
            {
                // Woken early: sleep again for the rest instead of deciding on a clock that has not got there.
                timer.Disposable = scheduler.Schedule(remaining + EarlyWakeMargin, Check);
                return;
            }

            action();
        }
    }

    private static TimeSpan Remaining(IScheduler scheduler, DateTimeOffset due)
    {
        var remaining = due - scheduler.Now;
        return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
    }
}
