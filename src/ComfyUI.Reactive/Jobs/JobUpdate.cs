using System.Collections.ObjectModel;
using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Jobs;

/// <summary>
/// Something that happened to one job, in the order it happened. Switch on the sealed subtypes. Every update carries
/// the job's <see cref="PromptId"/>; a job only ever sees updates of its own prompt.
/// </summary>
/// <param name="PromptId">The prompt's id on the server: the client-generated lowercase UUID, or, on a server older than
/// 2025-07-14 that ignores it, the id the server assigned and returned when it accepted the prompt. Every update of one
/// attempt carries the same id (the first update, <see cref="JobQueued"/>, comes after that answer), and it is the id of
/// <see cref="JobResult.PromptId"/>, of the job's exceptions and of the server's <c>/queue</c> and <c>/history</c>. In a
/// <c>ComfyPool</c>, a failover starts a new attempt with a new prompt id.</param>
public abstract record JobUpdate(string PromptId)
{
    /// <summary>The server the update came from when the job runs in a <c>ComfyPool</c> (a failover moves a job,
    /// so later updates may name another server); null for a job run on one <see cref="ComfyClient"/>.</summary>
    public ServerId? Server { get; init; }
}

/// <summary>
/// The server accepted the prompt and it waits in the queue. Sent once right after the submission (with
/// <see cref="Position"/> null when not known yet) and again whenever the position changes.
/// </summary>
/// <param name="PromptId">The job's prompt id.</param>
/// <param name="Position">How many prompts run before this one (0 = next; the running prompt not counted); null when not known yet.</param>
/// <param name="NodeErrors">Outputs the server dropped because they failed validation (a 200 with <c>node_errors</c>);
/// empty when everything validated. Only the valid outputs run.</param>
public sealed record JobQueued(string PromptId, int? Position, IReadOnlyDictionary<string, NodeValidationError> NodeErrors)
    : JobUpdate(PromptId)
{
    internal static readonly IReadOnlyDictionary<string, NodeValidationError> NoErrors = ReadOnlyDictionary<string, NodeValidationError>.Empty;
}

/// <summary>The server started running the prompt (<c>execution_start</c>).</summary>
/// <param name="PromptId">The job's prompt id.</param>
/// <param name="QueueWait">How long the prompt waited from submission to start (client clock).</param>
public sealed record JobStarted(string PromptId, TimeSpan QueueWait) : JobUpdate(PromptId);

/// <summary>Nodes whose outputs the server takes from its cache; they will not execute and count as done.</summary>
/// <param name="PromptId">The job's prompt id.</param>
/// <param name="Nodes">The cached node ids of this job's graph.</param>
public sealed record JobCached(string PromptId, IReadOnlyList<string> Nodes) : JobUpdate(PromptId);

/// <summary>A node started executing (<c>executing</c>).</summary>
/// <param name="PromptId">The job's prompt id.</param>
/// <param name="NodeId">The node (the submitted id; expansion ids such as <c>5.0.1</c> are possible).</param>
/// <param name="ClassType">The node's <c>class_type</c> from the workflow, or null for an expansion id.</param>
/// <param name="Title">The node's title (<c>_meta.title</c>) from the workflow, or null.</param>
public sealed record JobNodeStarted(string PromptId, string NodeId, string? ClassType, string? Title) : JobUpdate(PromptId);

/// <summary>Progress: of the current node (<see cref="Value"/> of <see cref="Max"/>) and of the whole graph (<see cref="Fraction"/>).</summary>
/// <param name="PromptId">The job's prompt id.</param>
/// <param name="NodeId">The node reporting progress, or null when the server did not say.</param>
/// <param name="Value">Steps done in that node.</param>
/// <param name="Max">Total steps of that node.</param>
/// <param name="Fraction">The whole job, 0..1, never decreasing: the nodes that run or are cached, cached and finished
/// nodes counted as done, the running node by its steps.</param>
public sealed record JobProgress(string PromptId, string? NodeId, double Value, double Max, double Fraction) : JobUpdate(PromptId)
{
    /// <summary>The estimated time until the job completes (see <see cref="Progress.ProgressEstimator"/> for how it is
    /// estimated and its limits); null when no estimate is available yet, zero at completion.</summary>
    public TimeSpan? EstimatedRemaining { get; init; }
}

/// <summary>A preview image (a sampler's latent preview and the like). Bounded by <see cref="JobOptions.PreviewInterval"/>.</summary>
/// <param name="PromptId">The job's prompt id.</param>
/// <param name="NodeId">The node that produced it, or null when the frame carried no id and no node was running.</param>
/// <param name="Image">The encoded image; valid for as long as you hold the update.</param>
/// <param name="MimeType">The image's MIME type, sniffed from its bytes.</param>
public sealed record JobPreview(string PromptId, string? NodeId, ReadOnlyMemory<byte> Image, string MimeType) : JobUpdate(PromptId);

/// <summary>A node produced UI output (<c>executed</c>): images, text, ... The same output is in the final result.</summary>
/// <param name="PromptId">The job's prompt id.</param>
/// <param name="Output">The node's output.</param>
public sealed record JobNodeOutput(string PromptId, JobOutput Output) : JobUpdate(PromptId);

/// <summary>Status text of a node (binary type 3), e.g. from paid API nodes.</summary>
/// <param name="PromptId">The job's prompt id.</param>
/// <param name="NodeId">The node.</param>
/// <param name="Text">The text.</param>
public sealed record JobText(string PromptId, string NodeId, string Text) : JobUpdate(PromptId);

/// <summary>
/// An attempt of a <c>ComfyPool</c> job ended without the result: its server died or was removed, a timeout fired,
/// the prompt was lost or rejected. <see cref="JobUpdate.Server"/> names the server. With <see cref="WillRetry"/> the job
/// goes back to the pool's queue and its updates start again (<see cref="JobQueued"/> with a new prompt id); without,
/// the job's error follows at once. A start timeout on a server busy with other work
/// (<see cref="ComfyTimeoutException.ServerBusy"/>) is reported too, but is not counted: the next attempt has the same
/// <see cref="Attempt"/> number.
/// </summary>
/// <param name="PromptId">The failed attempt's prompt id, or empty when it failed before the server accepted a prompt.</param>
/// <param name="Attempt">The attempt's number, 1 for the first.</param>
/// <param name="Reason">Why it ended (the same typed exception a job on one client would fail with).</param>
/// <param name="WillRetry">Whether the pool runs the job again; false when this failure ends the job.</param>
public sealed record JobAttemptFailed(string PromptId, int Attempt, Exception Reason, bool WillRetry) : JobUpdate(PromptId);

/// <summary>The job finished successfully; the last update before the observable completes.</summary>
/// <param name="PromptId">The job's prompt id.</param>
/// <param name="Result">The outputs and timings.</param>
public sealed record JobCompleted(string PromptId, JobResult Result) : JobUpdate(PromptId);
