namespace ComfyUI.Reactive;

/// <summary>
/// The server no longer knows a job it had accepted: the prompt is neither queued, running nor in the history (the
/// server restarted, or its history was cleared while the job's events were not reaching this client).
/// </summary>
public class ComfyJobLostException : ComfyConnectionException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public ComfyJobLostException()
        : this("The ComfyUI server no longer knows the job.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What was lost.</param>
    public ComfyJobLostException(string message)
        : this(message, (Exception?)null)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    /// <param name="message">What was lost.</param>
    /// <param name="innerException">The cause.</param>
    public ComfyJobLostException(string message, Exception? innerException)
        : base(message, innerException)
    {
        PromptId = string.Empty;
    }

    /// <summary>Creates the exception for a lost prompt.</summary>
    /// <param name="promptId">The prompt the server no longer knows.</param>
    /// <param name="server">The server (redacted address).</param>
    public ComfyJobLostException(string promptId, string server)
        : base($"The server {server} no longer knows prompt {promptId}: it is not queued, not running and not in the history (the server probably restarted). Submit the job again.")
    {
        PromptId = promptId ?? string.Empty;
    }

    /// <summary>Creates the exception for a prompt whose server process stopped (its socket closed and nothing listens).</summary>
    /// <param name="promptId">The prompt that died with the server.</param>
    /// <param name="message">Names the (redacted) server and what the prompt was doing.</param>
    /// <param name="innerException">The refused request that proved it.</param>
    internal ComfyJobLostException(string promptId, string message, Exception? innerException)
        : base(message, innerException)
    {
        PromptId = promptId;
    }

    /// <summary>The prompt the server lost.</summary>
    public string PromptId { get; }
}
