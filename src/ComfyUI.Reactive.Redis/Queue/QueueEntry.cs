using StackExchange.Redis;

namespace ComfyUI.Reactive.Redis.Queue;

/// <summary>One entry taken from a queue stream: where it is (to acknowledge it), and its job or null when malformed.</summary>
/// <param name="Stream">The priority stream.</param>
/// <param name="Id">The entry id.</param>
/// <param name="Job">The job, or null when the payload is malformed.</param>
/// <param name="Raw">The entry's fields (kept for the dead-letter stream).</param>
internal sealed record QueueEntry(RedisKey Stream, RedisValue Id, QueuedJob? Job, NameValueEntry[] Raw);
