using System.Reactive.Concurrency;

namespace ComfyUI.Reactive.Registry;

/// <summary>
/// Rate-limits one kind of event of one job on a scheduler: the first goes out at once, later ones at most once per
/// interval, the latest winning — so a dashboard sees movement at once and a bounded rate after. Callers hold the job's
/// gate; the timer's callback takes it too.
/// </summary>
internal sealed class EventSampler(IScheduler scheduler, TimeSpan interval, object gate, Action<JobEvent> publish)
{
    private JobEvent? _pending;
    private IDisposable? _timer;
    private bool _stopped;

    public void Offer(JobEvent e)
    {
        if (_stopped)
        {
            return;
        }

        if (interval <= TimeSpan.Zero)
        {
            publish(e);
        }
        else if (_timer is null)
        {
            publish(e);
            Arm();
        }
        else
        {
            _pending = e;
        }
    }

    /// <summary>Drops what waits and the timer (the job finished: its terminal event says the rest).</summary>
    public void Stop()
    {
        _stopped = true;
        _pending = null;
        _timer?.Dispose();
        _timer = null;
    }

    private void Arm() => _timer = scheduler.Schedule(interval, Tick);

    private void Tick()
    {
        lock (gate)
        {
            if (_stopped)
            {
                return;
            }

            if (_pending is { } pending)
            {
                _pending = null;
                publish(pending);
                Arm();
            }
            else
            {
                _timer = null;
            }
        }
    }
}
