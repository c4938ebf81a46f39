using System.Text.Json;

namespace ComfyUI.Reactive.Jobs;

/// <summary>
/// How one job is submitted and watched. All times run on the client's <see cref="ComfyClientOptions.Scheduler"/>.
/// Not a record on purpose: <see cref="ToString"/> must never print <see cref="ComfyOrgApiKey"/>.
/// </summary>
public sealed class JobOptions
{
    /// <summary>Fail the job with a <see cref="ComfyTimeoutException"/> (phase <c>start</c>) when the server has not started
    /// it this long after it was accepted (a blocked queue, a stuck server); the queued prompt is deleted. The server is
    /// asked first: a job that runs carries on and one that finished completes from its history. Null: no limit.</summary>
    public TimeSpan? StartTimeout { get; init; }

    /// <summary>Fail the job (phase <c>inactivity</c>) when it runs and nothing arrives for it this long (a hung node);
    /// the prompt is interrupted. Null: no limit. Long nodes without progress need a generous value.</summary>
    public TimeSpan? InactivityTimeout { get; init; }

    /// <summary>Fail the job (phase <c>overall</c>) when it has not finished this long after subscription; the server
    /// job is cancelled. Null: no limit.</summary>
    public TimeSpan? OverallTimeout { get; init; }

    /// <summary>While running, how long the job may hear nothing before the client asks the server (<c>/history</c>,
    /// <c>/queue</c>) whether it finished unnoticed. Default 10 seconds. This never fails a job that is still running.</summary>
    public TimeSpan ReconcileAfterSilence { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Emit at most one <see cref="JobPreview"/> per interval (the latest one wins; the last one is delivered
    /// when the interval ends). Null (default): every preview. Websocket output images are never thinned.</summary>
    public TimeSpan? PreviewInterval { get; init; }

    /// <summary>Validate the rendered prompt against the server's node schemas (fetched once per client) before
    /// submitting, throwing the same <see cref="ComfyPromptValidationException"/> the server would. Default true.
    /// A rejection is re-checked once against freshly fetched schemas (new models or uploads) before it is reported.</summary>
    public bool ValidateBeforeSubmit { get; init; } = true;

    /// <summary>Queue at the front (ahead of normally queued prompts). Ignored by the server when <see cref="Number"/> is set.</summary>
    public bool Front { get; init; }

    /// <summary>An explicit queue priority; lower runs first. Null: the server's counter.</summary>
    public double? Number { get; init; }

    /// <summary>Extra data stored with the prompt (<c>extra_pnginfo</c>, ...). <c>client_id</c> is always the client's.</summary>
    public IReadOnlyDictionary<string, JsonElement>? ExtraData { get; init; }

    /// <summary>Run only these output nodes (servers since mid-2025). Null: every output node.</summary>
    public IReadOnlyList<string>? PartialExecutionTargets { get; init; }

    /// <summary>The Comfy.org API key for paid API nodes, sent as <c>extra_data.api_key_comfy_org</c> of this submission
    /// (overrides <see cref="ComfyClientOptions.ComfyOrgApiKey"/>). Never logged or printed.</summary>
    public string? ComfyOrgApiKey { get; init; }

    /// <summary>Files to upload before submitting, each substituted into the workflow at its path.</summary>
    public IReadOnlyList<JobAttachment> Attachments { get; init; } = [];

    /// <summary>Whether to follow the job's position in the queue (<see cref="JobQueued.Position"/>). Default true; the
    /// client refreshes <c>GET /queue</c> once for all its queued jobs, at most twice a second, when the queue changes.</summary>
    public bool TrackQueuePosition { get; init; } = true;

    /// <summary>
    /// Awaited with the prompt id once the prompt is prepared (uploaded, validated) and just before it is posted, so that
    /// the id can be recorded durably first: a process that dies right after the POST can then be found again by its
    /// prompt id (a distributed pool re-attaches to it instead of running it twice). An exception fails the job without
    /// posting; cancellation (the subscription disposed) stops it the same way. Default: none.
    /// </summary>
    public Func<string, CancellationToken, Task>? BeforeSubmit { get; init; }

    /// <summary>The same options with <paramref name="before"/> awaited after this options' own
    /// <see cref="BeforeSubmit"/> (the pool's per-attempt hook).</summary>
    internal JobOptions WithBeforeSubmit(Func<string, CancellationToken, Task> before)
    {
        var own = BeforeSubmit;
        return new JobOptions
        {
            StartTimeout = StartTimeout,
            InactivityTimeout = InactivityTimeout,
            OverallTimeout = OverallTimeout,
            ReconcileAfterSilence = ReconcileAfterSilence,
            PreviewInterval = PreviewInterval,
            ValidateBeforeSubmit = ValidateBeforeSubmit,
            Front = Front,
            Number = Number,
            ExtraData = ExtraData,
            PartialExecutionTargets = PartialExecutionTargets,
            ComfyOrgApiKey = ComfyOrgApiKey,
            Attachments = Attachments,
            TrackQueuePosition = TrackQueuePosition,
            BeforeSubmit = own is null ? before : async (promptId, ct) =>
            {
                await own(promptId, ct).ConfigureAwait(false);
                await before(promptId, ct).ConfigureAwait(false);
            },
        };
    }

    /// <summary>Throws <see cref="ArgumentException"/> when a value is out of range.</summary>
    public void Validate()
    {
        Positive(StartTimeout, nameof(StartTimeout));
        Positive(InactivityTimeout, nameof(InactivityTimeout));
        Positive(OverallTimeout, nameof(OverallTimeout));
        Positive(PreviewInterval, nameof(PreviewInterval));
        Positive(ReconcileAfterSilence, nameof(ReconcileAfterSilence));
        ArgumentNullException.ThrowIfNull(Attachments, nameof(Attachments));
        if (Attachments.Any(a => a is null))
        {
            throw new ArgumentException("Attachments must not contain null.", nameof(Attachments));
        }

        if (PartialExecutionTargets?.Any(string.IsNullOrEmpty) == true)
        {
            throw new ArgumentException("PartialExecutionTargets must not contain null or empty ids.", nameof(PartialExecutionTargets));
        }
    }

    /// <summary>Describes the options without secrets.</summary>
    public override string ToString() =>
        $"JobOptions(start {StartTimeout}, inactivity {InactivityTimeout}, overall {OverallTimeout}, validate {ValidateBeforeSubmit}, " +
        $"attachments {Attachments.Count}, api key {(ComfyOrgApiKey is null ? "none" : "set")})";

    private static void Positive(TimeSpan? value, string name)
    {
        if (value is { } v && v <= TimeSpan.Zero)
        {
            throw new ArgumentException($"{name} must be positive.", name);
        }
    }
}
