using Microsoft.Extensions.Logging;

namespace ComfyUI.Reactive;

/// <summary>The client's log messages (source-generated; never given a credential).</summary>
internal static partial class ClientLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "Skipped a malformed {Kind} frame of {Length} bytes: {Reason}")]
    public static partial void FrameSkipped(ILogger logger, string kind, int length, string reason);

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "An event subscriber threw {ExceptionType}: {Reason}; the other subscribers still receive events")]
    public static partial void SubscriberFailed(ILogger logger, string exceptionType, string reason);
}
