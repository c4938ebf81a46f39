namespace ComfyUI.Reactive;

/// <summary>
/// The root of every exception this SDK throws on purpose. Catch it to handle any ComfyUI failure
/// (HTTP errors, validation errors, execution errors, connection failures) in one place.
/// </summary>
/// <remarks>Messages never contain credentials: URIs are redacted before they are put into a message.</remarks>
public class ComfyException : Exception
{
    /// <summary>Creates an exception with a generic message.</summary>
    public ComfyException()
        : base("A ComfyUI operation failed.")
    {
    }

    /// <summary>Creates an exception with the given message.</summary>
    /// <param name="message">What went wrong, in words a person can act on.</param>
    public ComfyException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with the given message and cause.</summary>
    /// <param name="message">What went wrong, in words a person can act on.</param>
    /// <param name="innerException">The failure that caused this one.</param>
    public ComfyException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// Whether doing the same thing again, unchanged, may succeed: the failure was the server's or the network's state at
    /// that moment, not the request's. Use it to retry only what can heal (see the <c>RetryWhen</c> recipe in
    /// docs/jobs.md); a plain <c>Retry</c> would also resubmit a workflow the server rejected.
    /// </summary>
    /// <remarks>
    /// <para>True for <see cref="ComfyConnectionException"/> (unreachable server, dropped connection, and
    /// <see cref="ComfyJobLostException"/>: a restarted server lost the prompt), <see cref="ComfyTimeoutException"/> (every
    /// phase: a slow request, a long queue, a hung node, an overall limit), and <see cref="ComfyApiException"/> with a 5xx
    /// status, 408 (request timeout) or 429 (too many requests).</para>
    /// <para>False for everything that fails the same way again: <see cref="ComfyPromptValidationException"/> and other 4xx
    /// answers, <see cref="ComfyAuthenticationException"/> (fix the credentials first), <see cref="ComfyExecutionException"/>
    /// (a node raised; out-of-memory included, which needs a smaller job, not the same one again),
    /// <see cref="ComfyInterruptedException"/> (someone stopped it on purpose), workflow and protocol errors.</para>
    /// <para>A classification, not a promise: retry with a bound and a delay. <see cref="OperationCanceledException"/> is
    /// not a <see cref="ComfyException"/>: your own cancellation is never a reason to retry.</para>
    /// </remarks>
    public virtual bool IsTransient => false;
}
