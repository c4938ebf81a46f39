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
}
