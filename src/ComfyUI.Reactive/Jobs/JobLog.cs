using Microsoft.Extensions.Logging;

namespace ComfyUI.Reactive.Jobs;

/// <summary>The jobs' log messages (source-generated; never given a credential or an API key).</summary>
internal static partial class JobLog
{
    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Reconciling {Count} in-flight jobs with the server because {Reason}")]
    public static partial void Reconciling(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Cancelling prompt {PromptId} on the server ({Action}) because {Reason}")]
    public static partial void Cancelling(ILogger logger, string promptId, string action, string reason);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "Could not cancel prompt {PromptId} on the server: {ExceptionType}: {Reason}")]
    public static partial void CancelFailed(ILogger logger, string promptId, string exceptionType, string reason);

    [LoggerMessage(EventId = 303, Level = LogLevel.Warning, Message = "Could not read the history of prompt {PromptId}; completing with the outputs seen on the socket: {ExceptionType}: {Reason}")]
    public static partial void HistoryFailed(ILogger logger, string promptId, string exceptionType, string reason);

    [LoggerMessage(EventId = 304, Level = LogLevel.Warning, Message = "The server at {Server} stopped (socket closed, connections refused): failing {Count} in-flight jobs as lost")]
    public static partial void ServerStopped(ILogger logger, string server, int count);

    [LoggerMessage(EventId = 306, Level = LogLevel.Warning, Message = "The progress history failed ({Action}); progress is weighed without learnt costs: {ExceptionType}: {Reason}")]
    public static partial void ProgressHistoryFailed(ILogger logger, string action, string exceptionType, string reason);

    [LoggerMessage(EventId = 305, Level = LogLevel.Warning, Message = "Prompt {PromptId} keeps running: the server at {Server} is older than ComfyUI 0.3.56 (or its version is unknown) and would stop whatever runs instead of this prompt")]
    public static partial void CannotInterrupt(ILogger logger, string promptId, string server);
}
