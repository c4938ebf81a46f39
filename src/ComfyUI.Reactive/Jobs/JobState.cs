using System.Text.Json.Serialization;
using ComfyUI.Reactive.Jobs.Progress;
using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Jobs;

/// <summary>Where a job is in its life.</summary>
internal enum JobPhase
{
    /// <summary>Uploading, validating, posting: the server may not know the prompt yet.</summary>
    Preparing,

    /// <summary>Accepted by the server, not started.</summary>
    Queued,

    /// <summary>Started (seen on the socket or in the queue).</summary>
    Running,

    /// <summary>The server said it finished; only its outputs are still being read from the history.</summary>
    Finishing,
}

/// <summary>
/// Everything a job knows, as plain data: what a process needs to re-attach to the prompt later (server, client id,
/// prompt id, phase, outputs seen, progress, timings). Immutable; <see cref="JobMachine"/> makes the next one.
/// </summary>
/// <remarks>A struct: every step makes a new state, and copying a value on the stack allocates nothing, where a record
/// class would allocate a copy per change. Times are UTC <see cref="DateTime"/>s on the client's scheduler clock (8 bytes each, not 16: many jobs may
/// be in flight). Round-trips through JSON (<c>JobStateTests</c>). What is not here is transient and lost on a restart by
/// nature: preview frames in flight, <c>SaveImageWebsocket</c> bytes, the timers (re-armed from the options).</remarks>
internal readonly record struct JobState
{
    /// <summary>Creates an empty state (the initializers below run; <c>default</c> would leave them null).</summary>
    public JobState()
    {
    }

    /// <summary>The server as <c>scheme://host:port</c>.</summary>
    public required string Server { get; init; }

    /// <summary>The websocket session id the prompt was submitted with (its events go to that socket).</summary>
    public required string ClientId { get; init; }

    /// <summary>The prompt's id: the client-generated one, or the server's if it ignored ours (<see cref="Rekeyed"/>).</summary>
    public required string PromptId { get; init; }

    public JobPhase Phase { get; init; }

    /// <summary>The server named its own id for the prompt (servers before 2025-07-14).</summary>
    public bool Rekeyed { get; init; }

    /// <summary>The POST was (or may have been) sent, so the server may know the prompt.</summary>
    public bool Posted { get; init; }

    /// <summary>The server accepted the prompt (its POST answered 200): the server is the truth about it from now on.</summary>
    public bool Accepted { get; init; }

    /// <summary>Seen running, so an interrupt (not a delete) cancels it.</summary>
    public bool SeenRunning { get; init; }

    /// <summary>The socket dropped while the job was in flight: frames of its run may be gone, read the history at the end.</summary>
    public bool FramesMissed { get; init; }

    /// <summary><c>execution_success</c> arrived with every frame of the run before it (the outputs are complete).</summary>
    public bool SuccessSeenWithEveryFrame { get; init; }

    public int? Position { get; init; }

    public int MissingStrikes { get; init; }

    public IReadOnlyDictionary<string, NodeValidationError> NodeErrors { get; init; } = JobQueued.NoErrors;

    public DateTime SubmittedAt { get; init; }

    public DateTime? StartedAt { get; init; }

    public DateTime LastEventAt { get; init; }

    public DateTime LastReconcileAt { get; init; }

    public string? CurrentNode { get; init; }

    public DateTime CurrentNodeStartedAt { get; init; }

    public double CurrentValue { get; init; }

    public double CurrentMax { get; init; }

    /// <summary>The UI outputs seen per node (null: a cached node whose UI is only in the history).</summary>
    [JsonConverter(typeof(NodeMap<NodeOutput>.Converter))]
    public NodeMap<NodeOutput?> Outputs { get; init; } = NodeMap<NodeOutput?>.Empty;

    /// <summary>How long each node ran, by the executing frames that began and ended it.</summary>
    [JsonConverter(typeof(NodeMap<NodeTime>.Converter))]
    public NodeMap<NodeTime> NodeTimes { get; init; } = NodeMap<NodeTime>.Empty;

    /// <summary>The nodes expected to run or come from the cache (0 until posted: every node of the graph counts).</summary>
    public int ExpectedCount { get; init; }

    public ProgressEstimate Progress { get; init; } = ProgressEstimate.Empty;

    /// <summary>A cached node reached in the run sent <c>output: null</c>: its UI is only in the history.</summary>
    public bool HasOutputOnlyInHistory => Outputs.AnyNull();
}

/// <summary>How long one node ran.</summary>
/// <remarks>A class wrapping the <see cref="TimeSpan"/>: as a struct value the job state's map would need its own
/// compiled copy of <see cref="NodeMap{TValue}"/> (see <see cref="Progress.NodeProgress"/>).</remarks>
/// <param name="Duration">From its start to its end.</param>
internal sealed record NodeTime(TimeSpan Duration);
