using Microsoft.Extensions.Logging;

namespace ComfyUI.Reactive.Transport;

/// <summary>
/// The transport's log messages. Every URI passed here is the redacted one, every reason and error text has been
/// redacted too, and exceptions are logged by type and redacted message only: an exception's own message or stack
/// could carry a query token from the URI.
/// </summary>
internal static partial class TransportLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug, Message = "Connecting websocket to {Uri} (attempt {Attempt})")]
    public static partial void Connecting(ILogger logger, string uri, int attempt);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Websocket connected to {Uri} (attempt {Attempt})")]
    public static partial void Connected(ILogger logger, string uri, int attempt);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning, Message = "Websocket to {Uri} disconnected: {Reason}")]
    public static partial void Disconnected(ILogger logger, string uri, string reason);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Websocket connect to {Uri} failed (attempt {Attempt}): {Reason}")]
    public static partial void ConnectFailed(ILogger logger, string uri, int attempt, string reason);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Information, Message = "Reconnecting websocket to {Uri} in {DelayMs} ms (attempt {Attempt})")]
    public static partial void RetryScheduled(ILogger logger, string uri, long delayMs, int attempt);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "Closing websocket to {Uri} failed: {Reason}")]
    public static partial void CloseFailed(ILogger logger, string uri, string reason);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Error, Message = "A websocket subscriber threw {ExceptionType}; the stream carries on: {Reason}")]
    public static partial void SubscriberFailed(ILogger logger, string exceptionType, string reason);

    [LoggerMessage(EventId = 2008, Level = LogLevel.Warning, Message = "Dropped a {Kind} websocket message of {Size} bytes (limit {Limit} bytes)")]
    public static partial void MessageTooLarge(ILogger logger, WebSocketMessageKind kind, long size, int limit);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Information, Message = "Websocket to {Uri} closed by dispose")]
    public static partial void Closed(ILogger logger, string uri);
}
