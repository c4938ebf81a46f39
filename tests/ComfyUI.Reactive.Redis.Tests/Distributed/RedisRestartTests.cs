using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Redis.Tests.Infrastructure;

namespace ComfyUI.Reactive.Redis.Tests.Distributed;

/// <summary>Redis restarted mid-run (its own server: the restart would disturb other tests).</summary>
public sealed class RedisRestartTests
{
    [Fact]
    public async Task Restart_MidRun_PoolPausesAndResumesAndEveryJobCompletesOnce()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var h = new DistributedHarness(redis);
        await h.StartEmulatorsAsync(1, TimeSpan.FromMilliseconds(10));
        var pool = await h.StartPoolAsync("worker");
        var ids = new List<Registry.JobId>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add(await pool.EnqueueAsync(DistributedHarness.Workflow(200 + i)));
        }

        var observing = ids.Select(id => DistributedHarness.ObserveAsync(pool, id)).ToList();
        await Task.WhenAny(observing).WaitAsync(DistributedHarness.Bound);
        await redis.RestartAsync();
        var observed = await Task.WhenAll(observing);

        Assert.All(observed, o => Assert.Null(o.Error));
        var prompts = observed.Select(o => Assert.IsType<JobCompleted>(o.Updates[^1]).Result.PromptId).ToList();
        Assert.Equal(6, prompts.Distinct().Count());
        Assert.Equal(6, h.Emulators[0].TotalExecutions);
    }

    [Fact]
    public async Task EnqueueAsync_RedisDown_TypedErrorAndWorksAgainOnceBack()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var h = new DistributedHarness(redis);
        await h.StartEmulatorsAsync(1, TimeSpan.FromMilliseconds(2));
        var pool = await h.StartPoolAsync("worker");

        await redis.StopAsync();
        await Assert.ThrowsAsync<ComfyRedisUnavailableException>(() => pool.EnqueueAsync(DistributedHarness.Workflow(1)));
        await redis.StartAgainAsync();
        var id = await RetryAsync(() => pool.EnqueueAsync(DistributedHarness.Workflow(2)));
        var (updates, error) = await DistributedHarness.ObserveAsync(pool, id);

        Assert.Null(error);
        Assert.IsType<JobCompleted>(updates[^1]);
    }

    /// <summary>The client reconnects by itself within a moment of the restart; a call in that moment may still fail.</summary>
    private static async Task<T> RetryAsync<T>(Func<Task<T>> call)
    {
        T? value = default;
        Assert.True(await Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    value = await call();
                    return true;
                }
                catch (ComfyRedisUnavailableException)
                {
                    return false;
                }
            },
            DistributedHarness.Bound));
        return value!;
    }
}
