using System.Text.Json;
using ComfyUI.Reactive.Pooling;
using static ComfyUI.Reactive.Tests.Pooling.PoolTestItems;

namespace ComfyUI.Reactive.Tests.Pooling;

public sealed class InMemoryPoolQueueTests
{
    private static readonly Filter Any = new();

    private static List<string> Drain(InMemoryPoolQueue queue, IReservationFilter filter)
    {
        var ids = new List<string>();
        while (queue.Reserve(filter) is { } item)
        {
            ids.Add(item.Id);
        }

        return ids;
    }

    [Fact]
    public void Reserve_EqualPriority_IsFifo()
    {
        var queue = new InMemoryPoolQueue();
        foreach (var id in new[] { "a", "b", "c", "d" })
        {
            queue.Enqueue(Item(id));
        }

        Assert.Equal(["a", "b", "c", "d"], Drain(queue, Any));
    }

    [Fact]
    public void Reserve_MixedPriorities_HighestFirstThenFifo()
    {
        var queue = new InMemoryPoolQueue();
        queue.Enqueue(Item("low1", priority: 0));
        queue.Enqueue(Item("high1", priority: 5));
        queue.Enqueue(Item("mid", priority: 2, hash: "other"));
        queue.Enqueue(Item("high2", priority: 5, hash: "other"));
        queue.Enqueue(Item("low2", priority: 0));

        Assert.Equal(["high1", "high2", "mid", "low1", "low2"], Drain(queue, Any));
    }

    [Fact]
    public void Reserve_EqualPriority_ScarceItemsFirstThenFifo()
    {
        var common = Requirements("SaveImage");
        var rare = Requirements("SaveImage", "RareNode");
        var queue = new InMemoryPoolQueue();
        queue.Enqueue(Item("common1", requirements: common));
        queue.Enqueue(Item("rare1", requirements: rare));
        queue.Enqueue(Item("common2", requirements: common));
        queue.Enqueue(Item("rare2", requirements: rare));
        var filter = new Filter { ScarcityFn = r => r.ClassTypes.Contains("RareNode") ? 1 : 3 };

        Assert.Equal(["rare1", "rare2", "common1", "common2"], Drain(queue, filter));
    }

    [Fact]
    public void Reserve_PriorityBeatsScarcity()
    {
        var queue = new InMemoryPoolQueue();
        queue.Enqueue(Item("rare", priority: 0, requirements: Requirements("RareNode")));
        queue.Enqueue(Item("urgent", priority: 1, requirements: Requirements("SaveImage")));
        var filter = new Filter { ScarcityFn = r => r.ClassTypes.Contains("RareNode") ? 1 : 5 };

        Assert.Equal(["urgent", "rare"], Drain(queue, filter));
    }

    [Fact]
    public void Reserve_ServerCannotRunGroup_SkipsIt()
    {
        var queue = new InMemoryPoolQueue();
        queue.Enqueue(Item("needs-rare", priority: 9, requirements: Requirements("RareNode")));
        queue.Enqueue(Item("plain", requirements: Requirements("SaveImage")));
        var filter = new Filter { CanRunFn = r => !r.ClassTypes.Contains("RareNode") };

        Assert.Equal("plain", queue.Reserve(filter)!.Id);
        Assert.Null(queue.Reserve(filter));
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public void Reserve_CoolingHash_SkipsThatHashOnly()
    {
        var queue = new InMemoryPoolQueue();
        queue.Enqueue(Item("cold", hash: "h1"));
        queue.Enqueue(Item("warm", hash: "h2"));
        var filter = new Filter { CoolingFn = h => h == "h1" };

        Assert.Equal(["warm"], Drain(queue, filter));
    }

    [Fact]
    public void Reserve_MayTakeRefusesHead_TakesNextInGroup()
    {
        var queue = new InMemoryPoolQueue();
        queue.Enqueue(Item("refused"));
        queue.Enqueue(Item("next"));
        var filter = new Filter { MayTakeFn = i => i.Id != "refused" };

        Assert.Equal("next", queue.Reserve(filter)!.Id);
    }

    [Fact]
    public void Reserve_CountsAttemptAndMovesToReserved()
    {
        var queue = new InMemoryPoolQueue();
        queue.Enqueue(Item("a"));

        var item = queue.Reserve(Any)!;

        Assert.Equal(1, item.Attempts);
        Assert.Equal(0, queue.Count);
        Assert.Equal(1, queue.ReservedCount);
        Assert.True(queue.Ack("a"));
        Assert.Equal(0, queue.ReservedCount);
        Assert.False(queue.Ack("a"));
    }

    [Fact]
    public void Nack_BelowMaxAttempts_RequeuesInOriginalPlaceWithExclusion()
    {
        var queue = new InMemoryPoolQueue();
        queue.Enqueue(Item("first"));
        queue.Enqueue(Item("second"));
        var server = new ServerId("gpu-1");

        Assert.Equal("first", queue.Reserve(Any)!.Id);
        Assert.Equal(NackResult.Requeued, queue.Nack("first", server, out var requeued));

        Assert.Equal([server], requeued!.ExcludedServers);
        var again = queue.Reserve(Any)!;
        Assert.Equal("first", again.Id);
        Assert.Equal(2, again.Attempts);
    }

    [Fact]
    public void Nack_AtMaxAttempts_DeadLetters()
    {
        var queue = new InMemoryPoolQueue();
        queue.Enqueue(Item("a", maxAttempts: 2));
        var results = new List<NackResult>();
        for (var i = 0; i < 2; i++)
        {
            Assert.NotNull(queue.Reserve(Any));
            results.Add(queue.Nack("a", new ServerId($"s{i}"), out _));
        }

        Assert.Equal([NackResult.Requeued, NackResult.DeadLettered], results);
        Assert.Equal(0, queue.Count);
        Assert.Equal(0, queue.ReservedCount);
        Assert.Null(queue.Reserve(Any));
    }

    [Fact]
    public void Nack_SameServerTwice_ExcludesOnce()
    {
        var queue = new InMemoryPoolQueue();
        queue.Enqueue(Item("a", maxAttempts: 5));
        var server = new ServerId("gpu-1");
        PoolWorkItem? item = null;
        for (var i = 0; i < 2; i++)
        {
            queue.Reserve(Any);
            queue.Nack("a", server, out item);
        }

        Assert.Equal([server], item!.ExcludedServers);
    }

    [Fact]
    public void Nack_NotReserved_NotFound()
    {
        var queue = new InMemoryPoolQueue();
        queue.Enqueue(Item("a"));

        Assert.Equal(NackResult.NotFound, queue.Nack("a", null, out var item));
        Assert.Null(item);
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public void Remove_PendingOrReserved_RemovesEither()
    {
        var queue = new InMemoryPoolQueue();
        queue.Enqueue(Item("pending"));
        queue.Enqueue(Item("reserved"));
        queue.Enqueue(Item("other"));
        Assert.Equal("pending", queue.Reserve(new Filter { MayTakeFn = i => i.Id == "pending" })!.Id);

        Assert.Equal("pending", queue.Remove("pending")!.Id);
        Assert.Equal("reserved", queue.Remove("reserved")!.Id);
        Assert.Null(queue.Remove("reserved"));
        Assert.Equal(["other"], Drain(queue, Any));
        Assert.Equal(NackResult.NotFound, queue.Nack("pending", null, out _));
    }

    [Fact]
    public void Enqueue_DuplicateId_Throws()
    {
        var queue = new InMemoryPoolQueue();
        queue.Enqueue(Item("a"));
        queue.Reserve(Any);

        Assert.Throws<ArgumentException>(() => queue.Enqueue(Item("a")));
    }

    [Fact]
    public async Task ReserveAndAck_ConcurrentConsumers_EachItemExactlyOnce()
    {
        var queue = new InMemoryPoolQueue();
        const int count = 5000;
        for (var i = 0; i < count; i++)
        {
            queue.Enqueue(Item($"i{i}", priority: i % 3, hash: $"h{i % 7}"));
        }

        var taken = new System.Collections.Concurrent.ConcurrentBag<string>();
        var consumers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            while (queue.Reserve(Any) is { } item)
            {
                taken.Add(item.Id);
                Assert.True(queue.Ack(item.Id));
            }
        }));
        await Task.WhenAll(consumers).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(count, taken.Count);
        Assert.Equal(count, taken.Distinct().Count());
    }

    [Fact]
    public void PoolWorkItem_JsonRoundTrip_KeepsState()
    {
        var item = Item("a", priority: 3) with
        {
            Attempts = 2,
            EnqueuedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            ExcludedServers = [new ServerId("gpu-1")],
            Requirements = new WorkflowRequirements
            {
                ClassTypes = ["CheckpointLoaderSimple"],
                Models = [new ModelRequirement("4", "CheckpointLoaderSimple", "ckpt_name", "a.safetensors")],
                Tags = ["big"],
            },
        };

        var back = JsonSerializer.Deserialize<PoolWorkItem>(JsonSerializer.Serialize(item))!;

        Assert.Equal(item.Id, back.Id);
        Assert.Equal(item.Priority, back.Priority);
        Assert.Equal(item.Attempts, back.Attempts);
        Assert.Equal(item.EnqueuedAt, back.EnqueuedAt);
        Assert.Equal(item.ExcludedServers, back.ExcludedServers);
        Assert.Equal(item.Requirements.Key, back.Requirements.Key);
        Assert.Equal(item.Requirements.Models, back.Requirements.Models);
    }
}
