namespace ComfyUI.Reactive.Redis;

/// <summary>
/// A job observed through Redis (<see cref="RedisComfyPool.Observe"/>) failed in the process that ran it with an error
/// that does not travel as its own type; <see cref="ErrorType"/> names that type and the message is its message.
/// Cancellation arrives as <see cref="OperationCanceledException"/>.
/// </summary>
public sealed class ComfyRemoteJobException : ComfyException
{
    /// <summary>Creates the exception.</summary>
    public ComfyRemoteJobException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public ComfyRemoteJobException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public ComfyRemoteJobException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The full name of the exception type the job failed with where it ran, or null when unknown.</summary>
    public string? ErrorType { get; init; }
}
