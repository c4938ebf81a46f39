using System.Net.Http.Json;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Text.Json;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Redis.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace ComfyUI.Reactive.Redis.Tests.Distributed;

/// <summary>Distributed pools ("processes" in one test process) over emulators and one real Redis.</summary>
public sealed class DistributedPoolTests(RedisFixture redis, ITestOutputHelper output) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private readonly DistributedHarness _h = new(redis.Server);

    public Task InitializeAsync() => Task.CompletedTask;

    // IAsyncLifetime, not IAsyncDisposable: xunit 2 never calls a test class's DisposeAsync (emulators and pools leaked).
    public Task DisposeAsync() => _h.DisposeAsync().AsTask();

    [Fact]
    public async Task Observe_JobEnqueuedByAProcessWithoutServers_RunByTheHolderAndSeenWithItsResult()
    {
        await _h.StartEmulatorsAsync(1, TimeSpan.FromMilliseconds(5));
        var holder = await _h.StartPoolAsync("holder");
        await DistributedHarness.WhenReadyAsync(holder, 1);
        var submitter = await _h.StartPoolAsync("submitter");

        var id = await submitter.EnqueueAsync(DistributedHarness.Workflow(1));
        var (updates, error) = await DistributedHarness.ObserveAsync(submitter, id);

        Assert.Null(error);
        Assert.Contains(updates, u => u is JobQueued);
        Assert.Contains(updates, u => u is JobStarted);
        var completed = Assert.IsType<JobCompleted>(updates[^1]);
        Assert.Equal("gpu-0", completed.Server?.Value);
        Assert.Equal("gpu-0", completed.Result.Pool?.Server.Value);
        var image = Assert.Single(completed.Result.Images);
        await using (var stream = await image.OpenReadAsync())
        {
            Assert.True(stream.ReadByte() >= 0, "the output downloads through the observing process's client");
        }

        Assert.Equal(1, _h.Emulators[0].GetExecutionCount(completed.Result.PromptId));
        Assert.Empty(submitter.LeasedServers);

        // Observed again once it ended: its latest state (one progress, not every step), then its end.
        var (replayed, replayError) = await DistributedHarness.ObserveAsync(submitter, id);
        Assert.Null(replayError);
        Assert.InRange(replayed.Count(u => u is JobProgress), 0, 1);
        Assert.Equal(completed.Result.PromptId, Assert.IsType<JobCompleted>(replayed[^1]).Result.PromptId);
        Assert.Equal(Registry.JobStatus.Completed, await submitter.GetStatusAsync(id));
    }

    [Fact]
    public async Task Enqueue_TwoProcessesSubmittingThirtyJobs_ServersNeverOverfilledAndEachJobRunsOnce()
    {
        await _h.StartEmulatorsAsync(3, TimeSpan.FromMilliseconds(2));
        var a = await _h.StartPoolAsync("a");
        var b = await _h.StartPoolAsync("b");
        await Eventually.TrueAsync(() => Task.FromResult(a.LeasedServers.Count + b.LeasedServers.Count == 3), DistributedHarness.Bound);
        Assert.Empty(a.LeasedServers.Intersect(b.LeasedServers));

        using var sampling = new CancellationTokenSource();
        var maxInFlight = _h.Emulators.Select(e => SampleQueueAsync(e.BaseAddress, sampling.Token)).ToList();
        var ids = new List<Registry.JobId>();
        for (var i = 0; i < 30; i++)
        {
            ids.Add(await (i % 2 == 0 ? a : b).EnqueueAsync(DistributedHarness.Workflow(100 + i)));
        }

        // Each job is observed from the process that did not submit it.
        var observed = await Task.WhenAll(ids.Select((id, i) => DistributedHarness.ObserveAsync(i % 2 == 0 ? b : a, id)));
        await sampling.CancelAsync();
        var peaks = await Task.WhenAll(maxInFlight);

        output.WriteLine($"a leases [{string.Join(", ", a.LeasedServers)}], b leases [{string.Join(", ", b.LeasedServers)}], peaks [{string.Join(", ", peaks)}]");
        Assert.All(observed, o => Assert.Null(o.Error));
        var prompts = observed.Select(o => Assert.IsType<JobCompleted>(o.Updates[^1]).Result.PromptId).ToList();
        Assert.Equal(30, prompts.Distinct().Count());
        Assert.All(prompts, p => Assert.Equal(1, _h.Emulators.Sum(e => e.GetExecutionCount(p))));
        Assert.Equal(30, _h.Emulators.Sum(e => e.TotalExecutions));
        Assert.All(peaks, peak => Assert.InRange(peak, 0, 2));
    }

    [Theory]
    [InlineData(100)] // still running when reclaimed: followed in the server's queue, then collected
    [InlineData(2)] // finished before it is reclaimed: collected from the history
    public async Task Dispose_HolderLeavesMidJob_AnotherProcessReattachesAndCollectsWithoutRunningAgain(int stepMs)
    {
        await _h.StartEmulatorsAsync(1, TimeSpan.FromMilliseconds(stepMs));
        var first = await _h.StartPoolAsync("first");
        await DistributedHarness.WhenReadyAsync(first, 1);
        var second = await _h.StartPoolAsync("second");

        var id = await second.EnqueueAsync(DistributedHarness.Workflow(7));
        var started = (JobStarted)await second.Observe(id).FirstAsync(u => u is JobStarted).ToTask().WaitAsync(DistributedHarness.Bound);
        await first.DisposeAsync();
        var (updates, error) = await DistributedHarness.ObserveAsync(second, id);

        Assert.Null(error);
        var completed = Assert.IsType<JobCompleted>(updates[^1]);
        Assert.Equal(started.PromptId, completed.Result.PromptId);
        Assert.Single(completed.Result.Images);
        Assert.Equal(1, _h.Emulators[0].TotalExecutions);
        Assert.Equal(["gpu-0"], second.LeasedServers.Select(s => s.Value));
    }

    [Fact]
    public async Task Lease_TakenByAnotherProcessMeanwhile_ServerLeavesTheLocalPool()
    {
        await _h.StartEmulatorsAsync(1, TimeSpan.FromMilliseconds(2));
        var pool = await _h.StartPoolAsync("holder");
        await DistributedHarness.WhenReadyAsync(pool, 1);
        var lease = new RedisKeys(_h.Prefix).Lease(new ServerId("gpu-0"));

        // As after an outage longer than the lease: another process holds it now.
        await redis.Database.StringSetAsync(lease, "intruder", TimeSpan.FromMinutes(1));
        var removed = await pool.Pool.Servers.FirstAsync(s => s.State == Pooling.ServerState.Removed).ToTask().WaitAsync(DistributedHarness.Bound);

        Assert.Equal("gpu-0", removed.Server.Value);
        Assert.Empty(pool.LeasedServers);
        Assert.Equal("intruder", (string?)await redis.Database.StringGetAsync(lease));
    }

    [Fact]
    public async Task MaxLeases_TwoProcessesTwoServers_EachDrivesOne()
    {
        await _h.StartEmulatorsAsync(2, TimeSpan.FromMilliseconds(2));
        var a = await _h.StartPoolAsync("a", maxLeases: 1);
        await DistributedHarness.WhenReadyAsync(a, 1);
        var b = await _h.StartPoolAsync("b", maxLeases: 1);

        Assert.True(await Eventually.TrueAsync(() => Task.FromResult(b.LeasedServers.Count == 1), DistributedHarness.Bound));
        Assert.Single(a.LeasedServers);
        Assert.NotEqual(a.LeasedServers.Single(), b.LeasedServers.Single());
    }

    [Fact]
    public async Task Drain_JobsHeld_CompletesOnceTheyEndedAndTakesNoMore()
    {
        await _h.StartEmulatorsAsync(1, TimeSpan.FromMilliseconds(20));
        var pool = await _h.StartPoolAsync("worker");
        var first = await pool.EnqueueAsync(DistributedHarness.Workflow(11));
        await pool.Observe(first).FirstAsync(u => u is JobStarted).ToTask().WaitAsync(DistributedHarness.Bound);

        await pool.DrainAsync().WaitAsync(DistributedHarness.Bound);
        var later = await pool.EnqueueAsync(DistributedHarness.Workflow(12));

        Assert.Equal(Registry.JobStatus.Completed, await pool.GetStatusAsync(first));
        Assert.Equal(Registry.JobStatus.Queued, await pool.GetStatusAsync(later));
    }

    [Fact]
    public async Task Take_MalformedEntryBeforeAJob_DeadLetteredAndTheJobStillRuns()
    {
        await _h.StartEmulatorsAsync(1, TimeSpan.FromMilliseconds(2));
        var keys = new RedisKeys(_h.Prefix);
        await redis.Database.StreamAddAsync(keys.Queue(0), [new NameValueEntry("job", "garbage"), new NameValueEntry("payload", "][")]);
        await redis.Database.SortedSetAddAsync(keys.Priorities, "0", 0);
        var pool = await _h.StartPoolAsync("worker");

        var id = await pool.EnqueueAsync(DistributedHarness.Workflow(3));
        var (updates, error) = await DistributedHarness.ObserveAsync(pool, id);

        Assert.Null(error);
        Assert.IsType<JobCompleted>(updates[^1]);
        Assert.True(await Eventually.TrueAsync(async () => await redis.Database.StreamLengthAsync(keys.DeadLetters) > 0, DistributedHarness.Bound));
        var dead = Assert.Single(await redis.Database.StreamRangeAsync(keys.DeadLetters));
        Assert.StartsWith("malformed entry", dead["reason"].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Take_JobTakenMoreThanMaxDeliveries_FailsAsPoisonAndIsDeadLettered()
    {
        var keys = new RedisKeys(_h.Prefix);
        var submitter = await _h.StartPoolAsync("submitter");
        var id = await submitter.EnqueueAsync(DistributedHarness.Workflow(5), new Pooling.PoolJobOptions { Priority = 1 });

        // As if five processes had taken it and died; then a process with a server takes it.
        await redis.Database.HashSetAsync(keys.Job(id.Value), "deliveries", 5);
        await _h.StartEmulatorsAsync(1, TimeSpan.FromMilliseconds(2));
        await _h.StartPoolAsync("worker");
        var (_, error) = await DistributedHarness.ObserveAsync(submitter, id);

        Assert.Contains("dead-lettered", Assert.IsType<ComfyRemoteJobException>(error).Message, StringComparison.Ordinal);

        // The record ends first (observers must hear of it even if the process dies next), the dead letter follows.
        Assert.True(await Eventually.TrueAsync(async () => await redis.Database.StreamLengthAsync(keys.DeadLetters) > 0, DistributedHarness.Bound));
        var dead = Assert.Single(await redis.Database.StreamRangeAsync(keys.DeadLetters));
        Assert.Equal(id.Value, dead["entry.job"]);
        Assert.Equal(0, _h.Emulators[0].TotalExecutions);
    }

    [Fact]
    public async Task Cancel_RunningJob_ObserversGetOperationCanceled()
    {
        await _h.StartEmulatorsAsync(1, TimeSpan.FromMilliseconds(200));
        var pool = await _h.StartPoolAsync("worker");
        var id = await pool.EnqueueAsync(DistributedHarness.Workflow(4));
        await pool.Observe(id).FirstAsync(u => u is JobStarted).ToTask().WaitAsync(DistributedHarness.Bound);

        Assert.True(await pool.CancelAsync(id));
        var (_, error) = await DistributedHarness.ObserveAsync(pool, id);

        Assert.IsType<OperationCanceledException>(error);
        Assert.Equal(Registry.JobStatus.Cancelled, await pool.GetStatusAsync(id));
    }

    [Fact]
    public async Task ConnectAsync_NothingListening_TypedErrorNamingTheEndpointNotThePassword()
    {
        var port = System.Net.Sockets.TcpListener.Create(0).Let(l =>
        {
            l.Start();
            var p = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
            l.Stop();
            return p;
        });
        var options = new RedisPoolOptions
        {
            Redis = new ConfigurationOptions { EndPoints = { $"127.0.0.1:{port}" }, Password = "s3cret-pw", ConnectTimeout = 500, ConnectRetry = 1 },
        };

        var error = await Assert.ThrowsAsync<ComfyRedisUnavailableException>(() => RedisComfyPool.ConnectAsync(options));

        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-pw", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>The most prompts (running plus pending) the server held at once while sampling.</summary>
    private static async Task<int> SampleQueueAsync(Uri server, CancellationToken stop)
    {
        using var http = new HttpClient { BaseAddress = server };
        var peak = 0;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var queue = await http.GetFromJsonAsync<JsonDocument>("queue", stop);
                var n = queue!.RootElement.GetProperty("queue_running").GetArrayLength() + queue.RootElement.GetProperty("queue_pending").GetArrayLength();
                peak = Math.Max(peak, n);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return peak;
    }
}

internal static class LetExtension
{
    public static TResult Let<T, TResult>(this T value, Func<T, TResult> f) => f(value);
}
