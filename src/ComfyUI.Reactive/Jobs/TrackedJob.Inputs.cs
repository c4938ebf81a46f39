using ComfyUI.Reactive.Events;
using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Jobs;

/// <summary>The inputs the tracker hands a job: routed events, reconciliation verdicts, history answers and failures,
/// each one <see cref="JobInput"/> through <see cref="Apply"/>.</summary>
internal sealed partial class TrackedJob
{
    /// <summary>An event of this job's prompt (socket thread).</summary>
    public void OnEvent(ComfyEvent e)
    {
        lock (_gate)
        {
            if (!_terminated && _state.Phase == JobPhase.Preparing)
            {
                // Keep the order Queued, Started, ... even when events overtake the POST's answer. Bounded: beyond
                // the cap only lossy frames could be dropped, and a prompt's start frames come first.
                if ((_early ??= []).Count < MaxEarlyEvents || e is not (PreviewImageEvent or ProgressEvent or ProgressStateEvent))
                {
                    _early.Add(e);
                }

                return;
            }

            Apply(new JobInput.Event(e));
        }
    }

    public void OnReplayedExecuting(string node) => Apply(new JobInput.ReplayedExecuting(node));

    public void OnQueuePosition(int position) => Apply(new JobInput.QueuePosition(position));

    public void OnSeenRunning() => Apply(JobInput.SeenRunningNow);

    public void MarkFramesMissed() => Apply(JobInput.FramesMissedNow);

    /// <summary>Neither the queue nor the history knows the prompt. Returns the strike count.</summary>
    public int OnMissing()
    {
        lock (_gate)
        {
            Apply(JobInput.MissingNow);
            return _state.MissingStrikes;
        }
    }

    public void MarkReconciled() => Apply(JobInput.ReconciledNow);

    public void CompleteFromHistory(HistoryEntry entry) => Apply(new JobInput.HistoryRead(entry));

    /// <summary>The server died before the job's final frame: completes it if the socket saw the whole run.</summary>
    public bool TryCompleteAfterServerDeath()
    {
        lock (_gate)
        {
            Apply(JobInput.ServerDiedNow);
            return _terminated;
        }
    }

    public void CompleteWithCollected() => Apply(JobInput.HistoryUnavailableNow);

    public void Fail(Exception error) =>
        Terminate(o => o.OnError(error), error is ComfyTimeoutException ? "the job timed out" : null);

    /// <summary>Fails the job with the start timeout once the server confirmed it never started.</summary>
    /// <param name="limit">The limit that passed.</param>
    /// <param name="deleted">The prompt was already deleted from the queue, so no further server call is needed.</param>
    /// <param name="serverBusy">The server's queue showed another prompt running (see <see cref="ComfyTimeoutException.ServerBusy"/>).</param>
    public void FailStartTimeout(TimeSpan limit, bool deleted, bool serverBusy)
    {
        var message = $"Prompt {PromptId} was accepted but not started within {limit}; the server's queue may be blocked. The queued prompt is deleted." +
            (serverBusy ? " The server was busy running another prompt." : string.Empty);
        var error = new ComfyTimeoutException("start", limit, message) { ServerBusy = serverBusy };
        Terminate(o => o.OnError(error), deleted ? null : "the job timed out");
    }
}
