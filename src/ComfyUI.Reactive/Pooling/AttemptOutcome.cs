namespace ComfyUI.Reactive.Pooling;

/// <summary>How one attempt of a job on one server ended, as the attempt seam reports it to the scheduler.</summary>
internal sealed record AttemptOutcome
{
    private AttemptOutcome(Exception? error) => Error = error;

    /// <summary>The attempt produced the job's result.</summary>
    public static AttemptOutcome Success { get; } = new((Exception?)null);

    /// <summary>The failure, or null on success.</summary>
    public Exception? Error { get; }

    /// <summary>True on success.</summary>
    public bool Succeeded => Error is null;

    /// <summary>The attempt failed; the scheduler classifies <paramref name="error"/> (<see cref="FailureClassifier"/>).</summary>
    /// <param name="error">The failure.</param>
    /// <returns>The outcome.</returns>
    public static AttemptOutcome Failure(Exception error) => new(error ?? throw new ArgumentNullException(nameof(error)));
}
