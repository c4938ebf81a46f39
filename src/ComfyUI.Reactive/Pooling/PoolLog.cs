using Microsoft.Extensions.Logging;

namespace ComfyUI.Reactive.Pooling;

/// <summary>The pool's log messages (source-generated). Servers appear by <see cref="ServerId"/>, which is never built
/// from an address carrying credentials.</summary>
internal static partial class PoolLog
{
    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Server {Server} joined the pool")]
    public static partial void ServerAdded(ILogger logger, ServerId server);

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Server {Server} left the pool")]
    public static partial void ServerRemoved(ILogger logger, ServerId server);

    [LoggerMessage(EventId = 402, Level = LogLevel.Information, Message = "Server {Server} is now {Health}")]
    public static partial void HealthChanged(ILogger logger, ServerId server, ServerHealth health);

    [LoggerMessage(EventId = 403, Level = LogLevel.Information, Message = "Server {Server} capabilities read: {ClassTypes} node types")]
    public static partial void CapabilitiesRead(ILogger logger, ServerId server, int classTypes);

    [LoggerMessage(EventId = 404, Level = LogLevel.Warning, Message = "Could not read the capabilities of server {Server}: {ExceptionType}: {Reason}")]
    public static partial void CapabilitiesFailed(ILogger logger, ServerId server, string exceptionType, string reason);

    [LoggerMessage(EventId = 405, Level = LogLevel.Information, Message = "Attempt {Attempt} of job {JobId} {Labels} on server {Server} (prompt {PromptId}) ended without a result, {Next}: {ExceptionType}: {Reason}")]
    public static partial void AttemptFailed(
        ILogger logger, int attempt, string jobId, string labels, ServerId server, string promptId, string exceptionType, string reason, string next);
}
