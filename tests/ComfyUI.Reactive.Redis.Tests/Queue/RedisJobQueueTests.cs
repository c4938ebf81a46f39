using ComfyUI.Reactive.Redis.Queue;
using ComfyUI.Reactive.Redis.Tests.Infrastructure;
using StackExchange.Redis;

namespace ComfyUI.Reactive.Redis.Tests.Queue;

/// <summary>The queue on a real Redis: priorities, FIFO, at-least-once, reclaim and dead letters.</summary>
public sealed class RedisJobQueueTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private readonly RedisKeys _keys = new(RedisFixture.NewPrefix());

    private RedisJobQueue Queue() => new(redis.Database, _keys);

    private static QueuedJob Job(string id, int priority = 0) => new() { JobId = id, Workflow = "{}", Priority = priority };

    [Fact]
    public async Task Read_TwoPriorities_HighestFirstThenFifo()
    {
        var queue = Queue();
        await queue.EnqueueAsync(Job("low-1", 0));
        await queue.EnqueueAsync(Job("high-1", 5));
        await queue.EnqueueAsync(Job("low-2", 0));
        await queue.EnqueueAsync(Job("high-2", 5));

        var first = await queue.ReadAsync("a", 3);
        var rest = await queue.ReadAsync("a", 10);

        Assert.Equal(["high-1", "high-2", "low-1"], first.Select(e => e.Job!.JobId));
        Assert.Equal(["low-2"], rest.Select(e => e.Job!.JobId));
    }

    [Fact]
    public async Task Read_TwoConsumers_EachEntryDeliveredToOne()
    {
        var queue = Queue();
        for (var i = 0; i < 6; i++)
        {
            await queue.EnqueueAsync(Job($"j{i}"));
        }

        var a = await queue.ReadAsync("a", 3);
        var b = await queue.ReadAsync("b", 10);

        Assert.Equal(6, a.Concat(b).Select(e => e.Job!.JobId).Distinct().Count());
        Assert.Equal(3, b.Count);
    }

    [Fact]
    public async Task Reclaim_HolderDiedBeforeAck_AnotherConsumerGetsItOnceIdleLongEnough()
    {
        var queue = Queue();
        await queue.EnqueueAsync(Job("j"));
        var taken = Assert.Single(await queue.ReadAsync("dead", 1));

        Assert.Empty(await queue.ReadAsync("alive", 1));
        Assert.Empty(await queue.ReclaimAsync("alive", TimeSpan.FromHours(1), 10));
        var reclaimed = Assert.Single(await queue.ReclaimAsync("alive", TimeSpan.Zero, 10));

        Assert.Equal(taken.Id, reclaimed.Id);
        Assert.Equal("j", reclaimed.Job!.JobId);
    }

    [Fact]
    public async Task Refresh_EntryReclaimedByAnother_ReportedLostAndNotTakenBack()
    {
        var queue = Queue();
        await queue.EnqueueAsync(Job("kept"));
        await queue.EnqueueAsync(Job("lost"));
        var taken = await queue.ReadAsync("slow", 2);
        var lostEntry = taken.Single(e => e.Job!.JobId == "lost");
        await redis.Database.StreamClaimIdsOnlyAsync(lostEntry.Stream, RedisKeys.Group, "other", 0, [lostEntry.Id]);

        var lost = await queue.RefreshAsync("slow", taken.Select(e => (e.Stream, e.Id)));

        Assert.Equal([lostEntry.Id], lost);
        var pending = await redis.Database.StreamPendingMessagesAsync(lostEntry.Stream, RedisKeys.Group, 10, "other");
        Assert.Equal(lostEntry.Id, Assert.Single(pending).MessageId);
    }

    [Fact]
    public async Task Ack_AfterEnd_NothingLeftToReclaim()
    {
        var queue = Queue();
        await queue.EnqueueAsync(Job("j"));
        var taken = Assert.Single(await queue.ReadAsync("a", 1));

        await queue.AckAsync(taken.Stream, taken.Id);

        Assert.Empty(await queue.ReclaimAsync("b", TimeSpan.Zero, 10));
        Assert.Equal(0, await queue.LengthAsync(0));
    }

    [Fact]
    public async Task DeadLetter_MalformedEntry_MovedWithReasonAndNoLongerPending()
    {
        var queue = Queue();
        await queue.EnqueueAsync(Job("ok"));
        await redis.Database.StreamAddAsync(_keys.Queue(0), [new NameValueEntry("job", "x"), new NameValueEntry("payload", "{not json")]);

        var entries = await queue.ReadAsync("a", 10);
        var bad = Assert.Single(entries, e => e.Job is null);
        await queue.DeadLetterAsync(bad, "malformed entry");

        var dead = Assert.Single(await redis.Database.StreamRangeAsync(_keys.DeadLetters));
        Assert.Equal("malformed entry", dead["reason"]);
        Assert.Equal("{not json", dead["entry.payload"]);
        Assert.Equal(["ok"], (await queue.ReclaimAsync("b", TimeSpan.Zero, 10)).Select(e => e.Job!.JobId));
    }
}
