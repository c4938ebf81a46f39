using ComfyUI.Reactive.Redis.Leases;
using ComfyUI.Reactive.Redis.Tests.Infrastructure;

namespace ComfyUI.Reactive.Redis.Tests.Leases;

/// <summary>Server leases on a real Redis: one holder at a time, compare-and-extend, compare-and-delete, expiry.</summary>
public sealed class ServerLeaseTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private readonly RedisKeys _keys = new(RedisFixture.NewPrefix());

    private ServerLease Lease(string holder) => new(redis.Database, _keys.Lease(new ServerId("gpu-1")), holder);

    [Fact]
    public async Task TryAcquire_HeldByAnother_RefusedUntilReleased()
    {
        var a = Lease("a");
        var b = Lease("b");

        Assert.True(await a.TryAcquireAsync(TimeSpan.FromMinutes(1)));
        Assert.False(await b.TryAcquireAsync(TimeSpan.FromMinutes(1)));
        Assert.False(await b.RenewAsync(TimeSpan.FromMinutes(1)));
        Assert.False(await b.ReleaseAsync());
        Assert.Equal("a", await a.HolderAsync());

        Assert.True(await a.ReleaseAsync());
        Assert.True(await b.TryAcquireAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal("b", await b.HolderAsync());
    }

    [Fact]
    public async Task Renew_ByHolder_ExtendsTheExpiry()
    {
        var a = Lease("a");
        Assert.True(await a.TryAcquireAsync(TimeSpan.FromSeconds(5)));

        Assert.True(await a.RenewAsync(TimeSpan.FromMinutes(10)));

        var ttl = await redis.Database.KeyTimeToLiveAsync(a.Key);
        Assert.True(ttl > TimeSpan.FromMinutes(9), $"ttl {ttl}");
    }

    [Fact]
    public async Task TryAcquire_HolderStoppedRenewing_AnotherTakesItAfterExpiry()
    {
        var a = Lease("a");
        var b = Lease("b");
        Assert.True(await a.TryAcquireAsync(TimeSpan.FromMilliseconds(300)));

        // Redis expires the key by itself: the waiting process's next try after that succeeds.
        var taken = await Eventually.TrueAsync(() => b.TryAcquireAsync(TimeSpan.FromMinutes(1)), TimeSpan.FromSeconds(10));

        Assert.True(taken);
        Assert.False(await a.RenewAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal("b", await b.HolderAsync());
    }
}
