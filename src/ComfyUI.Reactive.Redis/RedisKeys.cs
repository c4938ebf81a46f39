using StackExchange.Redis;

namespace ComfyUI.Reactive.Redis;

/// <summary>Every key and channel the distributed pool uses, in one place, so that their layout is readable at once.</summary>
/// <param name="prefix">The deployment's prefix (<see cref="RedisPoolOptions.KeyPrefix"/>).</param>
internal sealed class RedisKeys(string prefix)
{
    /// <summary>The consumer group every process reads the queue streams with.</summary>
    public const string Group = "workers";

    /// <summary>The priorities that have a stream (a sorted set scored by priority), so readers know which to read.</summary>
    public RedisKey Priorities { get; } = $"{prefix}:queue:priorities";

    /// <summary>Poison and malformed entries, with the reason and the original fields.</summary>
    public RedisKey DeadLetters { get; } = $"{prefix}:queue:dead";

    /// <summary>Published after an enqueue: wakes readers before their next poll.</summary>
    public RedisChannel QueueSignal { get; } = RedisChannel.Literal($"{prefix}:queue:signal");

    /// <summary>Published with a job id after a job's update stream grew.</summary>
    public RedisChannel UpdateSignal { get; } = RedisChannel.Literal($"{prefix}:job:signal");

    /// <summary>Published with a job id when a running job is to be cancelled by its holder.</summary>
    public RedisChannel CancelSignal { get; } = RedisChannel.Literal($"{prefix}:job:cancel");

    public string Prefix => prefix;

    /// <summary>The stream of one priority: one stream per priority keeps FIFO within it and lets readers go highest first.</summary>
    public RedisKey Queue(int priority) => $"{prefix}:queue:{priority}";

    /// <summary>The hash of one job: its status, payload, last attempt (server, prompt id) and result.</summary>
    public RedisKey Job(string jobId) => $"{prefix}:job:{jobId}";

    /// <summary>The stream of one job's updates (previews excluded), read back by any process's observers.</summary>
    public RedisKey Updates(string jobId) => $"{prefix}:job:{jobId}:updates";

    /// <summary>The lease of one ComfyUI server (its value is the holding process's name).</summary>
    public RedisKey Lease(ServerId server) => $"{prefix}:lease:{server.Value}";
}
