namespace ComfyUI.Reactive.Events;

/// <summary>
/// A websocket frame could not be decoded: invalid JSON, no string <c>type</c>, no <c>data</c> object where the
/// message needs one, or a binary frame whose header or lengths run past its end. The connection is fine; log the
/// frame and skip it. (An unknown message type is not an error: it becomes an <see cref="UnknownEvent"/>.)
/// </summary>
public sealed class ComfyProtocolException : ComfyException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public ComfyProtocolException()
        : base("A frame from the ComfyUI server could not be decoded.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong with the frame.</param>
    public ComfyProtocolException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    /// <param name="message">What is wrong with the frame.</param>
    /// <param name="innerException">The decoding failure, e.g. a <see cref="System.Text.Json.JsonException"/>.</param>
    public ComfyProtocolException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
