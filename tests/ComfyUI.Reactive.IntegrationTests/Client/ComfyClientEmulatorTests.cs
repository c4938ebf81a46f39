using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Text.Json;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Events;
using ComfyUI.Reactive.IntegrationTests.Emulator;
using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.IntegrationTests.Client;

/// <summary>The client's hot streams and connection handling against the emulator over real loopback sockets.</summary>
public sealed class ComfyClientEmulatorTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    private static ComfyClient Connect(ComfyEmulator emulator, Action<ComfyClientOptions>? configure = null)
    {
        var options = new ComfyClientOptions
        {
            BaseAddress = emulator.BaseAddress,
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(20),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
        };
        configure?.Invoke(options);
        return new ComfyClient(options);
    }

    private static PromptRequest Request(ComfyClient client, string workflow, string promptId) => new()
    {
        Prompt = JsonSerializer.SerializeToElement(Fixture.Workflow(workflow)),
        ClientId = client.ClientId,
        PromptId = promptId,
    };

    [Fact]
    public async Task NodeSchemaCatalog_ServersInstalledAlike_ShareOneInstance_OthersGetTheirOwn()
    {
        await using var first = await ComfyEmulator.StartAsync();
        await using var twin = await ComfyEmulator.StartAsync();
        await using var other = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { Checkpoints = ["other.safetensors"] });
        await using var a = Connect(first);
        await using var b = Connect(twin);
        await using var c = Connect(other);

        var catalogs = await Task.WhenAll(a.GetNodeSchemaCatalogAsync(), b.GetNodeSchemaCatalogAsync(), c.GetNodeSchemaCatalogAsync()).WaitAsync(Bound);

        Assert.Same(catalogs[0], catalogs[1]);
        Assert.NotSame(catalogs[0], catalogs[2]);
        Assert.Contains("other.safetensors", CheckpointNames(catalogs[2]));
        Assert.DoesNotContain("other.safetensors", CheckpointNames(catalogs[0]));
    }

    private static IReadOnlyList<string> CheckpointNames(Workflows.NodeSchemaCatalog catalog) =>
        catalog.Nodes["CheckpointLoaderSimple"].Input.Required["ckpt_name"].ComboOptions ?? [];

    [Fact]
    public async Task Events_BasicRun_ArriveTypedAndInTheRecordedOrder()
    {
        await using var emulator = await ComfyEmulator.StartAsync();
        await using var client = Connect(emulator);
        await client.ConnectAsync().WaitAsync(Bound);
        var promptId = Guid.NewGuid().ToString();

        var all = client.Events
            .Where(e => e.PromptId == promptId || e is StatusEvent)
            .TakeUntil(e => e is ExecutingEvent { IsPromptFinished: true } && e.PromptId == promptId)
            .ToList()
            .ToTask();
        await client.Api.SubmitPromptAsync(Request(client, "basic_empty_invert_save", promptId));
        var events = await all.WaitAsync(Bound);

        var types = events.Select(e => e is ExecutingEvent x ? $"executing({x.Node ?? "None"})" : e.Type).ToList();
        Assert.Equal(
            "status -> status -> execution_start -> execution_cached -> progress_state -> executing(1) -> progress_state -> " +
            "progress_state -> executing(4) -> executed -> progress_state -> progress_state -> executing(2) -> progress_state -> " +
            "progress_state -> executing(3) -> executed -> progress_state -> execution_success -> status -> executing(None)",
            string.Join(" -> ", types));
        var saved = events.OfType<ExecutedEvent>().Single(e => e.Node == "3");
        Assert.Equal("output", Assert.Single(saved.Output!.Images).Type);
    }

    [Fact]
    public async Task Previews_NegotiatedMetadata_CarryPromptAndNode()
    {
        await using var emulator = await ComfyEmulator.StartAsync();
        await using var client = Connect(emulator);
        await client.ConnectAsync().WaitAsync(Bound);
        var promptId = Guid.NewGuid().ToString();

        var previews = client.Previews.Take(3).ToList().ToTask();
        await client.Api.SubmitPromptAsync(Request(client, "websocket_images", promptId));
        var frames = await previews.WaitAsync(Bound);

        Assert.All(frames, p =>
        {
            Assert.True(p.HasMetadata);
            Assert.Equal(promptId, p.PromptId);
            Assert.Equal("image/png", p.MimeType);
            Assert.Equal(0x89, p.Image.Span[0]);
        });
        Assert.True(client.ServerFeatures?.SupportsPreviewMetadata);
    }

    [Fact]
    public async Task Events_MalformedAndUnknownFramesFromTheServer_AreSkippedAndTheStreamLivesOn()
    {
        await using var emulator = await ComfyEmulator.StartAsync();
        await using var client = Connect(emulator);
        await client.ConnectAsync().WaitAsync(Bound);
        var errors = new List<Exception>();
        using var watch = client.Events.Subscribe(_ => { }, errors.Add);

        var next = client.Events.OfType<StatusEvent>().FirstAsync().ToTask();
        var unknownBinary = client.Events.OfType<UnknownBinaryEvent>().FirstAsync().ToTask();
        emulator.Faults.SendMalformedFrame(client.ClientId);
        emulator.Faults.SendBinaryFrame([0, 0, 0, 4, 0, 0, 0x10, 0], client.ClientId);
        emulator.Faults.SendBinaryFrame([0, 0, 0, 42, 1], client.ClientId);
        await client.Api.SubmitPromptAsync(Request(client, "text_preview_any", Guid.NewGuid().ToString()));

        Assert.Equal(1, (await next.WaitAsync(Bound)).QueueRemaining);
        Assert.Equal(42u, (await unknownBinary.WaitAsync(Bound)).EventType);
        Assert.Empty(errors);
        Assert.Equal(ConnectionState.Connected, client.ConnectionState);
    }

    [Fact]
    public async Task Connection_ServerRestartedThreeTimes_ReconnectsEveryTimeAndEventsFlowAfter()
    {
        await using var emulator = await ComfyEmulator.StartAsync();
        await using var client = Connect(emulator);
        await client.ConnectAsync().WaitAsync(Bound);

        for (var restart = 1; restart <= 3; restart++)
        {
            var wentDown = client.Connection.FirstAsync(s => s == ConnectionState.Reconnecting).ToTask();
            await emulator.StopAsync();
            await wentDown.WaitAsync(Bound);
            var cameBack = client.Connection.FirstAsync(s => s == ConnectionState.Connected).ToTask();
            await emulator.RestartAsync();
            await cameBack.WaitAsync(Bound);
        }

        var promptId = Guid.NewGuid().ToString();
        var done = client.Executing.FirstAsync(e => e.IsPromptFinished && e.PromptId == promptId).ToTask();
        await client.Api.SubmitPromptAsync(Request(client, "text_preview_any", promptId));
        await done.WaitAsync(Bound);
    }

    [Fact]
    public async Task Connection_SocketsDropped_ReconnectsWithTheSameClientIdAndStillGetsTargetedEvents()
    {
        await using var emulator = await ComfyEmulator.StartAsync();
        await using var client = Connect(emulator);
        await client.ConnectAsync().WaitAsync(Bound);

        var wentDown = client.Connection.FirstAsync(s => s == ConnectionState.Reconnecting).ToTask();
        emulator.Faults.DropAllSockets();
        await wentDown.WaitAsync(Bound);
        await client.Connection.FirstAsync(s => s == ConnectionState.Connected).ToTask().WaitAsync(Bound);

        var promptId = Guid.NewGuid().ToString();
        var done = client.Executing.FirstAsync(e => e.IsPromptFinished && e.PromptId == promptId).ToTask();
        await client.Api.SubmitPromptAsync(Request(client, "text_preview_any", promptId));
        await done.WaitAsync(Bound);
    }

    [Fact]
    public async Task ConnectAsync_UpgradesRefusedForAWhile_KeepsRetryingUntilConnected()
    {
        await using var emulator = await ComfyEmulator.StartAsync();
        emulator.Faults.RefuseWebSockets(TimeSpan.FromMilliseconds(500));
        await using var client = Connect(emulator);

        using var _ = client.Events.Subscribe(_ => { });
        await client.Connection.FirstAsync(s => s == ConnectionState.Connected).ToTask().WaitAsync(Bound);
    }

    public static TheoryData<string> AuthKinds => ["basic", "bearer"];

    [Theory]
    [MemberData(nameof(AuthKinds))]
    public async Task Credentials_ServerRequiresAuth_RightCredentialsConnectBothHttpAndSocket(string kind)
    {
        await using var emulator = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions
        {
            Auth = kind == "basic" ? EmulatorAuth.Basic("alice", "pw-123") : EmulatorAuth.Bearer("tok-123"),
        });
        await using var client = Connect(emulator, o => o.Credentials.Add(
            kind == "basic" ? ComfyCredentials.Basic("alice", "pw-123") : ComfyCredentials.Bearer("tok-123")));

        await client.ConnectAsync().WaitAsync(Bound);
        var stats = await client.Api.GetSystemStatsAsync();
        Assert.NotNull(stats.System);
    }

    [Theory]
    [MemberData(nameof(AuthKinds))]
    public async Task Credentials_Missing_ConnectAsyncThrowsAuthenticationExceptionWithoutSecrets(string kind)
    {
        await using var emulator = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions
        {
            Auth = kind == "basic" ? EmulatorAuth.Basic("alice", "pw-123") : EmulatorAuth.Bearer("tok-123"),
        });
        await using var client = Connect(emulator, o => o.Credentials.Add(ComfyCredentials.Bearer("wrong-secret")));

        var error = await Assert.ThrowsAsync<ComfyAuthenticationException>(() => client.ConnectAsync().WaitAsync(Bound));
        Assert.Equal(401, (int)error.StatusCode);
        Assert.DoesNotContain("wrong-secret", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_NothingListening_ThrowsConnectionExceptionNamingTheServer()
    {
        await using var emulator = await ComfyEmulator.StartAsync();
        var address = emulator.BaseAddress;
        await emulator.StopAsync();
        await using var client = new ComfyClient(new ComfyClientOptions { BaseAddress = address });

        var error = await Assert.ThrowsAsync<ComfyConnectionException>(() => client.ConnectAsync().WaitAsync(Bound));
        Assert.Contains(address.Authority, error.Message, StringComparison.Ordinal);
    }
}
