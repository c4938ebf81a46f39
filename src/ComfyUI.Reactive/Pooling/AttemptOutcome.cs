using ComfyUI.Reactive.Jobs;

namespace ComfyUI.Reactive.Pooling;

/// <summary>How one attempt of a job on one server ended, as the attempt seam reports it to the scheduler.</summary>
internal sealed record AttemptOutcome
{
    private AttemptOutcome(Exception? error, JobResult? result = null, string? promptId = null)
    {
        Error = error;
        Result = result;
        PromptId = promptId;
    }

    /// <summary>The attempt produced the job's result.</summary>
    public static AttemptOutcome Success { get; } = new((Exception?)null);

    /// <summary>What a successful attempt produced, handed to the item's outcome (<see cref="PoolItemOutcome.Result"/>)
    /// only if this attempt is the one that completes the item; null for a failure (and for the bare
    /// <see cref="Success"/> the scheduler's own tests use).</summary>
    public JobResult? Result { get; }

    /// <summary>The prompt id the failed attempt had on its server, when it got that far; null otherwise.</summary>
    public string? PromptId { get; }

    /// <summary>The failure, or null on success.</summary>
    public Exception? Error { get; }

    /// <summary>True on success.</summary>
    public bool Succeeded => Error is null;

    /// <summary>The attempt produced the job's result, <paramref name="result"/>.</summary>
    /// <param name="result">The result.</param>
    /// <returns>The outcome.</returns>
    public static AttemptOutcome SuccessWith(JobResult result) => new(null, result ?? throw new ArgumentNullException(nameof(result)));

    /// <summary>The attempt failed; the scheduler classifies <paramref name="error"/> (<see cref="FailureClassifier"/>).</summary>
    /// <param name="error">The failure.</param>
    /// <param name="promptId">The attempt's prompt id on the server, if it had one.</param>
    /// <returns>The outcome.</returns>
    public static AttemptOutcome Failure(Exception error, string? promptId = null) =>
        new(error ?? throw new ArgumentNullException(nameof(error)), null, promptId);
}
