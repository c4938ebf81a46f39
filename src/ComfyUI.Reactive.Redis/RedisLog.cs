using Microsoft.Extensions.Logging;

namespace ComfyUI.Reactive.Redis;

/// <summary>The distributed pool's log lines. No line carries Redis credentials: endpoints at most.</summary>
internal static partial class RedisLog
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information, Message = "Process {Process} took the lease of server {Server}")]
    public static partial void LeaseAcquired(ILogger logger, string process, ServerId server);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Process {Process} lost the lease of server {Server} to another process; the server leaves its pool")]
    public static partial void LeaseLost(ILogger logger, string process, ServerId server);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Redis is unreachable ({Operation}): {Error}; the distributed pool pauses and retries")]
    public static partial void RedisUnavailable(ILogger logger, string operation, string error);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "Queue entry {EntryId} of {Stream} was dead-lettered: {Reason}")]
    public static partial void DeadLettered(ILogger logger, string entryId, string stream, string reason);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Job {JobId}: re-attached to prompt {PromptId} on {Server}: {Outcome}")]
    public static partial void Reattached(ILogger logger, string jobId, string promptId, string server, string outcome);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Job {JobId}: the server {Server} of its last attempt (prompt {PromptId}) could not be asked within the re-attach timeout; the job runs again")]
    public static partial void ReattachTimedOut(ILogger logger, string jobId, string server, string promptId);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Job {JobId}: handling failed unexpectedly: {Error}; its entry stays pending and is reclaimed later")]
    public static partial void HandlingFailed(ILogger logger, string jobId, string error);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "Job {JobId}: another process reclaimed it (this process stalled longer than the claim idle time); it stops writing for it")]
    public static partial void HandingOver(ILogger logger, string jobId);
}
