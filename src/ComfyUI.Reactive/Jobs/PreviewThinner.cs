using System.Reactive.Concurrency;

namespace ComfyUI.Reactive.Jobs;

/// <summary>
/// <see cref="JobOptions.PreviewInterval"/>: at most one preview per interval, latest wins, and the last one held is
/// delivered when the interval is over. Called under the job's lock; <paramref name="due"/> runs on the scheduler and
/// must take the lock before calling <see cref="TakeDue"/>.
/// </summary>
internal sealed class PreviewThinner(TimeSpan interval, IScheduler scheduler, Action due) : IDisposable
{
    private JobPreview? _held;
    private long _lastTicks = long.MinValue;
    private IDisposable? _timer;

    /// <summary>The preview to deliver now, or null when it is held (replacing an older held one).</summary>
    public JobPreview? Admit(JobPreview preview)
    {
        var now = scheduler.Now.UtcTicks;
        if (_held is null && (_lastTicks == long.MinValue || now - _lastTicks >= interval.Ticks))
        {
            _lastTicks = now;
            return preview;
        }

        var wasHeld = _held is not null;
        _held = preview;
        if (!wasHeld)
        {
            _timer = scheduler.Schedule(TimeSpan.FromTicks(Math.Max(0, _lastTicks + interval.Ticks - now)), due);
        }

        return null;
    }

    public void Dispose()
    {
        _timer?.Dispose();
        _held = null;
    }

    /// <summary>The held preview whose interval is over, or null (under the job's lock).</summary>
    public JobPreview? TakeDue()
    {
        _timer = null;
        if (_held is not { } held)
        {
            return null;
        }

        _held = null;
        _lastTicks = scheduler.Now.UtcTicks;
        return held;
    }
}
