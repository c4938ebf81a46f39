using ComfyUI.Reactive.Jobs;

namespace ComfyUI.Reactive.Pooling;

/// <summary>How one job runs in a <see cref="ComfyPool"/>.</summary>
public sealed class PoolJobOptions
{
    /// <summary>The options of each attempt on a server: its timeouts apply <b>per attempt</b> (a start timeout on a blocked
    /// server deletes the queued prompt there and moves the job to another server). Default: <see cref="JobOptions"/>'s defaults.</summary>
    public JobOptions Job { get; init; } = new();

    /// <summary>Higher runs first; jobs of equal priority run in submission order (jobs few servers can run go first).
    /// Default 0.</summary>
    public int Priority { get; init; }

    /// <summary>Tags a server must carry (<see cref="ComfyPool.AddServer"/>) to get this job, e.g. <c>["sdxl"]</c>; a tag
    /// only one server carries pins the job to that server. Default: none.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>The most attempts this job gets; null: <see cref="ComfyPoolOptions.MaxAttempts"/>.</summary>
    public int? MaxAttempts { get; init; }

    /// <summary>Whether failures that are the workflow's own — <see cref="ComfyPromptValidationException"/>,
    /// <see cref="ComfyExecutionException"/> — are retried on another server (within <see cref="MaxAttempts"/>) instead of
    /// failing the job at once. Default false: the same workflow would fail the same way elsewhere.</summary>
    public bool RetryWorkflowFailures { get; init; }

    /// <summary>Free-form labels stored with the queued job (e.g. a correlation id), for a distributed queue; not used for
    /// matching. Default: none.</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>Awaited for each attempt with its server and prompt id just before the prompt is posted there (see
    /// <see cref="JobOptions.BeforeSubmit"/>): what a distributed queue records so that a process that dies mid-attempt
    /// can be re-attached to its prompt. Default: none.</summary>
    public Func<ServerId, string, CancellationToken, Task>? BeforeSubmit { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> when a value is out of range.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Job, nameof(Job));
        Job.Validate();
        ArgumentNullException.ThrowIfNull(Tags, nameof(Tags));
        if (Tags.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("Tags must not contain null or empty tags.", nameof(Tags));
        }

        if (MaxAttempts is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(max, 1, nameof(MaxAttempts));
        }
    }

    /// <summary>Describes the options (the job options print no secrets).</summary>
    /// <returns>The description.</returns>
    public override string ToString() =>
        $"PoolJobOptions(priority {Priority}, tags [{string.Join(", ", Tags)}], max attempts {MaxAttempts?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "default"}, retry workflow failures {RetryWorkflowFailures}, {Job})";
}
