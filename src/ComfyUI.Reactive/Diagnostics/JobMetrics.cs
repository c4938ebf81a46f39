using System.Diagnostics.Metrics;
using ComfyUI.Reactive.Registry;

namespace ComfyUI.Reactive.Diagnostics;

/// <summary>
/// The instruments of jobs enqueued by id, on the owner's meter (pool or client):
/// <c>comfyui.jobs.enqueued</c> (counter), <c>comfyui.jobs.finished</c> (counter, tag <c>outcome</c>: <c>completed</c>,
/// <c>failed</c>, <c>cancelled</c>), <c>comfyui.jobs.in_flight</c> (up-down counter) and <c>comfyui.job.duration</c>
/// (histogram, ms, tag <c>outcome</c>: from enqueue to end on the owner's scheduler clock).
/// </summary>
internal sealed class JobMetrics
{
    private readonly Counter<long> _enqueued;
    private readonly Counter<long> _finished;
    private readonly UpDownCounter<long> _inFlight;
    private readonly Histogram<double> _duration;

    public JobMetrics(Meter meter)
    {
        _enqueued = meter.CreateCounter<long>("comfyui.jobs.enqueued", "{job}", "Jobs enqueued by id.");
        _finished = meter.CreateCounter<long>("comfyui.jobs.finished", "{job}", "Jobs enqueued by id that ended, by outcome.");
        _inFlight = meter.CreateUpDownCounter<long>("comfyui.jobs.in_flight", "{job}", "Jobs enqueued by id that have not ended.");
        _duration = meter.CreateHistogram<double>("comfyui.job.duration", "ms", "Time from enqueue to end of a job enqueued by id.");
    }

    public void Enqueued()
    {
        _enqueued.Add(1);
        _inFlight.Add(1);
    }

    public void Finished(JobStatus status, TimeSpan duration)
    {
        var outcome = new KeyValuePair<string, object?>("outcome", status switch
        {
            JobStatus.Completed => "completed",
            JobStatus.Cancelled => "cancelled",
            _ => "failed",
        });
        _finished.Add(1, outcome);
        _inFlight.Add(-1);
        _duration.Record(duration.TotalMilliseconds, outcome);
    }
}
