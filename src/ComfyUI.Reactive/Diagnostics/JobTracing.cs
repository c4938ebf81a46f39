using System.Diagnostics;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Registry;

namespace ComfyUI.Reactive.Diagnostics;

/// <summary>
/// The spans of one job enqueued by id: <c>comfyui.job</c> from <c>Enqueue</c> to its end (a child of the caller's span,
/// e.g. the HTTP request that enqueued it), and a child <c>comfyui.attempt</c> per attempt on a server, with the server,
/// prompt id, queue wait, and node starts as events. Nothing is recorded when no listener samples the source.
/// </summary>
/// <remarks>Spans are started without becoming <see cref="Activity.Current"/>: the caller's flow must not continue inside
/// the job's span, and updates arrive on socket threads that have nothing to do with it. Span times are wall-clock time,
/// as tracing backends expect; no logic depends on them.</remarks>
internal sealed class JobTracing
{
    private readonly Activity? _job;
    private Activity? _attempt;
    private int _attempts;

    public JobTracing(JobId id)
    {
        _job = StartDetached("comfyui.job", Activity.Current?.Context ?? default);
        _job?.SetTag("comfyui.job.id", id.Value);
    }

    /// <summary>Records an update (caller holds the job's gate).</summary>
    public void OnUpdate(JobUpdate update)
    {
        if (_job is null)
        {
            return;
        }

        switch (update)
        {
            case JobQueued or JobStarted when _attempt is null:
                _attempt = StartDetached("comfyui.attempt", _job.Context);
                _attempt?.SetTag("comfyui.attempt", ++_attempts);
                Tag(update);
                if (update is JobStarted first)
                {
                    _attempt?.SetTag("comfyui.queue_wait_ms", first.QueueWait.TotalMilliseconds);
                }

                break;
            case JobStarted started:
                _attempt?.SetTag("comfyui.queue_wait_ms", started.QueueWait.TotalMilliseconds);
                _attempt?.AddEvent(new ActivityEvent("started"));
                break;
            case JobNodeStarted node:
                _attempt?.AddEvent(new ActivityEvent("node", tags: new ActivityTagsCollection
                {
                    ["comfyui.node.id"] = node.NodeId,
                    ["comfyui.node.class_type"] = node.ClassType,
                }));
                break;
            case JobAttemptFailed failed:
                EndAttempt(failed.Reason);
                break;
        }
    }

    /// <summary>Ends the spans (caller holds the job's gate): OK with a result, Error with the error's type and message.</summary>
    public void OnFinished(JobStatus status, JobResult? result, Exception? error)
    {
        if (_job is null)
        {
            return;
        }

        if (result is not null)
        {
            _job.SetTag("comfyui.prompt_id", result.PromptId);
            if (result.Pool is { } pool)
            {
                _job.SetTag("comfyui.server", pool.Server.Value);
                _job.SetTag("comfyui.attempts", pool.Attempts);
                _job.SetTag("comfyui.pool.wait_ms", pool.WaitTime.TotalMilliseconds);
            }

            foreach (var (node, time) in result.Timings.Nodes)
            {
                _job.AddEvent(new ActivityEvent("node.timing", tags: new ActivityTagsCollection
                {
                    ["comfyui.node.id"] = node,
                    ["comfyui.node.duration_ms"] = time.TotalMilliseconds,
                }));
            }
        }

        EndAttempt(error);
        _job.SetTag("comfyui.job.status", status.ToString());
        SetOutcome(_job, error);
        _job.Stop();
    }

    private static Activity? StartDetached(string name, ActivityContext parent)
    {
        var previous = Activity.Current;
        var activity = ComfyTelemetry.Source.StartActivity(name, ActivityKind.Internal, parent);
        Activity.Current = previous;
        return activity;
    }

    private static void SetOutcome(Activity activity, Exception? error)
    {
        if (error is null)
        {
            activity.SetStatus(ActivityStatusCode.Ok);
            return;
        }

        activity.SetTag("error.type", error.GetType().FullName);
        activity.SetStatus(ActivityStatusCode.Error, error.Message);
    }

    private void Tag(JobUpdate update)
    {
        if (update.Server is { } server)
        {
            _attempt?.SetTag("comfyui.server", server.Value);
        }

        if (!string.IsNullOrEmpty(update.PromptId))
        {
            _attempt?.SetTag("comfyui.prompt_id", update.PromptId);
        }
    }

    private void EndAttempt(Exception? error)
    {
        if (_attempt is null)
        {
            return;
        }

        SetOutcome(_attempt, error);
        _attempt.Stop();
        _attempt = null;
    }
}
