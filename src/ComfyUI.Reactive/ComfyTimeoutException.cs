namespace ComfyUI.Reactive;

/// <summary>
/// Something did not happen within its configured time. <see cref="Phase"/> says which limit fired
/// (<c>request</c> for one HTTP call, or a job phase: <c>start</c>, <c>inactivity</c>, <c>overall</c>).
/// </summary>
public class ComfyTimeoutException : ComfyException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public ComfyTimeoutException()
        : this("unknown", TimeSpan.Zero, "A ComfyUI operation timed out.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What timed out.</param>
    public ComfyTimeoutException(string message)
        : this("unknown", TimeSpan.Zero, message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    /// <param name="message">What timed out.</param>
    /// <param name="innerException">The underlying cancellation or timeout.</param>
    public ComfyTimeoutException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Phase = "unknown";
    }

    /// <summary>Creates the exception for a named phase and limit.</summary>
    /// <param name="phase">Which limit fired, e.g. <c>request</c>, <c>start</c>, <c>inactivity</c>, <c>overall</c>.</param>
    /// <param name="limit">The configured limit that was exceeded.</param>
    /// <param name="message">What timed out, in words a person can act on.</param>
    /// <param name="innerException">The underlying cancellation or timeout, if any.</param>
    public ComfyTimeoutException(string phase, TimeSpan limit, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Phase = phase;
        Limit = limit;
    }

    /// <summary>Which limit fired: <c>request</c> (one HTTP call), or a job phase: <c>start</c>, <c>inactivity</c>, <c>overall</c>.</summary>
    public string Phase { get; }

    /// <summary>The configured limit that was exceeded.</summary>
    public TimeSpan Limit { get; }

    /// <summary>For the <c>start</c> phase: when the limit fired, the server was running another prompt (someone else's
    /// work, or another job of this process), so the prompt was waiting its turn rather than stuck behind a stalled server.
    /// A <see cref="Pooling.ComfyPool"/> does not count such an attempt as a server fault: it moves the job to a free server,
    /// or queues it again for when this one can take it. False for the other phases.</summary>
    public bool ServerBusy { get; init; }

    /// <summary>Always true: a limit fired because the server was slow, busy or stuck at that moment.</summary>
    public override bool IsTransient => true;
}
