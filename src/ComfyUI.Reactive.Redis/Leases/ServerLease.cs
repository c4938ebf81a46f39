using StackExchange.Redis;

namespace ComfyUI.Reactive.Redis.Leases;

/// <summary>
/// The lease of one ComfyUI server: a key holding the holder's name with an expiry. Taken with <c>SET NX PX</c>,
/// renewed and released only by its holder (compare-and-extend, compare-and-delete in Lua, atomic in Redis), so a
/// process whose lease expired can never extend or delete another's. Exactly one process drives a server at a time.
/// </summary>
internal sealed class ServerLease(IDatabase db, RedisKey key, string holder)
{
    private const string RenewScript = """
        if redis.call('get', KEYS[1]) == ARGV[1] then
          return redis.call('pexpire', KEYS[1], ARGV[2])
        end
        return 0
        """;

    private const string ReleaseScript = """
        if redis.call('get', KEYS[1]) == ARGV[1] then
          return redis.call('del', KEYS[1])
        end
        return 0
        """;

    public RedisKey Key { get; } = key;

    /// <summary>Takes the lease when nobody holds it (or this process still does: a retry after a lost answer).</summary>
    public async Task<bool> TryAcquireAsync(TimeSpan duration)
    {
        if (await db.StringSetAsync(Key, holder, duration, When.NotExists).ConfigureAwait(false))
        {
            return true;
        }

        return await RenewAsync(duration).ConfigureAwait(false);
    }

    /// <summary>Extends the lease if this process holds it; false when it expired or another process holds it.</summary>
    public async Task<bool> RenewAsync(TimeSpan duration)
    {
        var result = await db.ScriptEvaluateAsync(RenewScript, [Key], [holder, (long)duration.TotalMilliseconds]).ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <summary>Gives the lease up if this process holds it, so another process can take the server at once.</summary>
    public async Task<bool> ReleaseAsync()
    {
        var result = await db.ScriptEvaluateAsync(ReleaseScript, [Key], [holder]).ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <summary>The current holder's name, or null when free.</summary>
    public async Task<string?> HolderAsync()
    {
        var value = await db.StringGetAsync(Key).ConfigureAwait(false);
        return value.IsNull ? null : value.ToString();
    }
}
