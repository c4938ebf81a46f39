using System.Net.Sockets;

namespace ComfyUI.Reactive;

/// <summary>
/// The server could not be reached or the connection broke: connection refused, DNS failure, TLS failure,
/// the socket closed, or a job's server went away and it could not be recovered.
/// </summary>
public class ComfyConnectionException : ComfyException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public ComfyConnectionException()
        : base("The ComfyUI server could not be reached.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What failed, naming the (redacted) server address.</param>
    public ComfyConnectionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    /// <param name="message">What failed, naming the (redacted) server address.</param>
    /// <param name="innerException">The transport failure.</param>
    public ComfyConnectionException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// Whether the connection was actively refused: the host answered that nothing listens on the port. Unlike a timeout,
    /// a reset or a DNS failure, that is a definitive sign the server process is not running.
    /// </summary>
    internal bool IsConnectionRefused
    {
        get
        {
            for (var e = InnerException; e is not null; e = e.InnerException)
            {
                if (e is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Always true: the server may be reachable again later, and a lost prompt can be submitted again.</summary>
    public override bool IsTransient => true;
}
