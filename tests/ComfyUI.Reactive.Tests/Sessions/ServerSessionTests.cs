using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Pooling;
using ComfyUI.Reactive.Tests.Jobs;
using ComfyUI.Reactive.Tests.Transport;

namespace ComfyUI.Reactive.Tests.Sessions;

/// <summary>
/// One session per server, shared by the client's jobs and a pool: one poller during an outage, one verdict that both
/// act on, one <c>/object_info</c> fetch.
/// </summary>
public sealed class ServerSessionTests : IAsyncLifetime
{
    private readonly JobTestServer _server = new();

    public Task InitializeAsync() => Task.CompletedTask;

    // IAsyncLifetime, not IAsyncDisposable: xunit 2 never calls a test class's DisposeAsync (emulators and pools leaked).
    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task PooledClientWithAJobInFlight_ServerKilled_OnePollPerBeatAndJobAndPoolGetTheSameVerdictTogether()
    {
        var client = _server.Client();
        await using var pool = new ComfyPool(new ComfyPoolOptions { Scheduler = _server.Scheduler, CapabilityRefreshInterval = null });
        var ready = pool.Servers.FirstAsync(s => s.State == ServerState.Ready).ToTask();
        var id = pool.AddServer(client);

        // The capability read (object_info, model lists) is done before the kill, so every request after it is a poll.
        await ready.WaitAsync(JobTestServer.Wait);
        var health = new List<(DateTimeOffset At, ServerState State)>();
        using var statuses = pool.Servers.Where(s => s.Server == id).Subscribe(s => health.Add((_server.Scheduler.Now, s.State)));
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()), () => _server.Scheduler.Now);
        var promptId = (await rec.WaitFor<JobQueued>()).PromptId;
        _server.Queue = () => ([], [promptId]);
        await AdvanceAsync(client, TimeSpan.FromSeconds(1)); // the job's queue-position read is done

        var asked = new List<DateTimeOffset>();
        var killedAt = _server.Scheduler.Now;
        var before = _server.Http.Requests.Count;
        _server.Connector.OnConnect = _ => FakeWebSocketConnector.Refuse();
        _server.Unreachable = () =>
        {
            lock (asked)
            {
                asked.Add(_server.Scheduler.Now);
            }

            return JobTestServer.Refused();
        };
        _server.Connector.Last!.ServerClose();
        await AdvanceAsync(client, TimeSpan.FromSeconds(3));

        // One question per beat (at the drop, 0.5 s later, then every 0.5 s while refused), not one per layer.
        Assert.Equal([0, 500, 1000, 1500, 2000, 2500, 3000], asked.Select(a => (a - killedAt).TotalMilliseconds).ToArray());
        Assert.All(_server.Http.Requests.Skip(before), r => Assert.EndsWith("/queue", r.Uri.AbsolutePath, StringComparison.Ordinal));

        // The job and the pool heard the same verdict at the same moment, 0.5 s after the socket closed.
        await rec.Ended;
        Assert.IsType<ComfyJobLostException>(rec.Error);
        Assert.Equal(TimeSpan.FromMilliseconds(500), rec.EndedAt - killedAt);
        Assert.Contains((killedAt + TimeSpan.FromMilliseconds(500), ServerState.Unhealthy), health);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PoolCapabilityReadAndJobValidation_EitherFirst_OneObjectInfoFetch(bool poolFirst)
    {
        var client = _server.Client();
        await client.ConnectAsync().WaitAsync(JobTestServer.Wait);
        await using var pool = new ComfyPool(new ComfyPoolOptions { Scheduler = _server.Scheduler, CapabilityRefreshInterval = null });
        if (!poolFirst)
        {
            await client.GetNodeSchemaCatalogAsync().WaitAsync(JobTestServer.Wait);
        }

        var ready = pool.Servers.FirstAsync(s => s.State == ServerState.Ready).ToTask();
        pool.AddServer(client);
        await ready.WaitAsync(JobTestServer.Wait);

        // What a job's ValidateBeforeSubmit reads.
        await client.GetNodeSchemaCatalogAsync().WaitAsync(JobTestServer.Wait);

        Assert.Single(_server.Requests("GET", "/object_info"));
    }

    [Fact]
    public async Task Subscribe_JobOfADisposedClient_ErrorsThroughOnErrorNotFromSubscribe()
    {
        var client = _server.Client();
        var job = client.Run(JobTestServer.Basic, JobTestServer.NoValidation());
        await client.DisposeAsync();

        var rec = Recorder.Start(job);
        await rec.Ended;

        Assert.IsType<ObjectDisposedException>(rec.Error);
        Assert.Equal(1, rec.Terminals);
    }

    private async Task AdvanceAsync(ComfyClient client, TimeSpan by)
    {
        for (var step = TimeSpan.Zero; step < by; step += TimeSpan.FromMilliseconds(100))
        {
            _server.Scheduler.AdvanceBy(TimeSpan.FromMilliseconds(100).Ticks);
            await client.GetJobTracker().WhenReconciledAsync().WaitAsync(JobTestServer.Wait);
        }
    }
}
