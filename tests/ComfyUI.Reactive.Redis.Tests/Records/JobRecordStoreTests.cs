using ComfyUI.Reactive.Redis.Queue;
using ComfyUI.Reactive.Redis.Records;
using ComfyUI.Reactive.Redis.Tests.Infrastructure;

namespace ComfyUI.Reactive.Redis.Tests.Records;

/// <summary>Job records on a real Redis: taking counts deliveries, an end is recorded once, cancellation of a waiting job.</summary>
public sealed class JobRecordStoreTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private readonly RedisKeys _keys = new(RedisFixture.NewPrefix());

    private JobRecordStore Store() => new(redis.Database, _keys, TimeSpan.FromMinutes(5));

    private async Task<string> EnqueueAsync()
    {
        var job = new QueuedJob { JobId = Guid.NewGuid().ToString(), Workflow = "{}" };
        await new RedisJobQueue(redis.Database, _keys).EnqueueAsync(job, t => Store().Create(t, job));
        return job.JobId;
    }

    [Fact]
    public async Task Take_TwiceAfterAnAttemptWasRecorded_CountsDeliveriesAndReturnsTheLastPrompt()
    {
        var store = Store();
        var id = await EnqueueAsync();

        var first = await store.TakeAsync(id, "a");
        await store.AppendAsync(id, new StoredUpdate { Kind = StoredUpdate.Queued, PromptId = "p-1", Server = "gpu-1" });
        var second = await store.TakeAsync(id, "b");

        Assert.Equal((JobRecordStore.Queued, 1L, (string?)null), (first.Status, first.Deliveries, first.PromptId));
        Assert.Equal((JobRecordStore.Running, 2L, "gpu-1", "p-1"), (second.Status, second.Deliveries, second.Server, second.PromptId));
    }

    [Fact]
    public async Task Finish_Twice_RecordedOnceAndTakeSeesTheEnd()
    {
        var store = Store();
        var id = await EnqueueAsync();
        await store.TakeAsync(id, "a");

        Assert.True(await store.FinishAsync(id, new StoredUpdate { Kind = StoredUpdate.Failed, Error = "first" }));
        Assert.False(await store.FinishAsync(id, new StoredUpdate { Kind = StoredUpdate.Failed, Error = "second" }));

        var updates = await store.ReadUpdatesAsync(id, "0-0", 10);
        Assert.Equal("first", Assert.Single(updates).Update!.Error);
        Assert.True((await store.TakeAsync(id, "b")).IsFinished);
        Assert.True(await redis.Database.KeyTimeToLiveAsync(_keys.Job(id)) is { } ttl && ttl <= TimeSpan.FromMinutes(5));
    }

    [Fact]
    public async Task Cancel_WaitingJob_EndsAtOnceAndRunningJobIsFlagged()
    {
        var store = Store();
        var waiting = await EnqueueAsync();
        var running = await EnqueueAsync();
        await store.TakeAsync(running, "a");

        Assert.True(await store.CancelAsync(waiting));
        Assert.True(await store.CancelAsync(running));
        Assert.False(await store.CancelAsync(waiting));

        Assert.Equal(JobRecordStore.Cancelled, await store.StatusAsync(waiting));
        Assert.Equal(StoredUpdate.Cancelled, Assert.Single(await store.ReadUpdatesAsync(waiting, "0-0", 10)).Update!.Kind);
        Assert.True((await store.TakeAsync(running, "b")).CancelRequested);
        Assert.Null(await store.StatusAsync("no-such-job"));
        Assert.False(await store.CancelAsync("no-such-job"));
    }
}
