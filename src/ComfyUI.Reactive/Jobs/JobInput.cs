using ComfyUI.Reactive.Events;
using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Jobs;

/// <summary>What can happen to a job: a server event routed to it, an HTTP answer, a reconciliation verdict or a timer.</summary>
internal abstract record JobInput
{
    /// <summary>The POST is about to leave: the server may know the prompt from now on.</summary>
    public sealed record Posting(int ExpectedCount) : JobInput;

    /// <summary>The server accepted the prompt (its answer to the POST).</summary>
    public sealed record Accepted(PromptResponse Response) : JobInput;

    /// <summary>An event of the job's prompt.</summary>
    public sealed record Event(ComfyEvent Value) : JobInput;

    /// <summary>The <c>executing</c> a server replays after a reconnect (no prompt id): only a node start, never an end.</summary>
    public sealed record ReplayedExecuting(string Node) : JobInput;

    /// <summary>The queue says the prompt waits at <paramref name="Position"/>.</summary>
    public sealed record QueuePosition(int Position) : JobInput;

    /// <summary>The queue says the prompt runs (its <c>execution_start</c> may have been missed).</summary>
    public sealed record SeenRunning : JobInput;

    /// <summary>Neither the queue nor the history knows the prompt.</summary>
    public sealed record Missing : JobInput;

    /// <summary>A reconciliation looked at the job.</summary>
    public sealed record Reconciled : JobInput;

    /// <summary>The socket dropped while the job was in flight.</summary>
    public sealed record FramesMissed : JobInput;

    /// <summary>The prompt's history entry was read.</summary>
    public sealed record HistoryRead(HistoryEntry Entry) : JobInput;

    /// <summary>The history could not be read for a finishing job: complete with what the socket said.</summary>
    public sealed record HistoryUnavailable : JobInput;

    /// <summary>The server died; complete if the socket saw the whole run.</summary>
    public sealed record ServerDied : JobInput;

    /// <summary>The start limit passed.</summary>
    public sealed record StartLimit(TimeSpan Limit) : JobInput;

    /// <summary>The inactivity timer fired.</summary>
    public sealed record InactivityCheck(TimeSpan Limit) : JobInput;

    /// <summary>The overall limit passed.</summary>
    public sealed record OverallLimit(TimeSpan Limit) : JobInput;

    public static readonly JobInput SeenRunningNow = new SeenRunning();
    public static readonly JobInput MissingNow = new Missing();
    public static readonly JobInput ReconciledNow = new Reconciled();
    public static readonly JobInput FramesMissedNow = new FramesMissed();
    public static readonly JobInput HistoryUnavailableNow = new HistoryUnavailable();
    public static readonly JobInput ServerDiedNow = new ServerDied();
}

/// <summary>An effect the job's runner performs for the machine.</summary>
internal abstract record JobCommand
{
    /// <summary>Arm the start timer (before the update that starts it is delivered).</summary>
    public sealed record ArmStartTimer(TimeSpan Limit) : JobCommand;

    public sealed record CancelStartTimer : JobCommand;

    /// <summary>Arm the inactivity timer for <paramref name="Due"/> (once; a check re-arms it for the remainder).</summary>
    public sealed record ArmInactivity(TimeSpan Due, bool Recheck) : JobCommand;

    /// <summary>Keep a copy of a <c>SaveImageWebsocket</c> frame: a result, not a preview (its buffer is the socket's).</summary>
    public sealed record KeepWebsocketImage(string Node, PreviewImageEvent Preview) : JobCommand;

    /// <summary>Read <c>GET /history/{id}</c> and complete from it (<see cref="JobInput.HistoryRead"/>).</summary>
    public sealed record CompleteFromHistory : JobCommand;

    /// <summary>Ask the server before failing a start timeout (<c>GET /queue</c>, delete, history).</summary>
    public sealed record CheckStartTimeout(TimeSpan Limit) : JobCommand;

    /// <summary>End the job with its result (the history's outputs when read).</summary>
    public sealed record Complete(IReadOnlyDictionary<string, NodeOutput>? History) : JobCommand;

    /// <summary>End the job with an error; with a reason, the prompt is cancelled on the server (delete or interrupt by id).</summary>
    public sealed record Fail(Exception Error, string? CancelReason) : JobCommand;

    public static readonly JobCommand CancelStart = new CancelStartTimer();
    public static readonly JobCommand ReadHistory = new CompleteFromHistory();
}
