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
}
