using System.Buffers.Binary;
using System.Net;
using System.Reactive.Linq;
using System.Text;
using ComfyUI.Reactive.Events;
using ComfyUI.Reactive.Tests.Rest;
using ComfyUI.Reactive.Tests.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Reactive.Testing;

namespace ComfyUI.Reactive.Tests.Client;

public sealed class ComfyClientTests
{
    private const string ProgressFrame =
        """{"type": "progress", "data": {"value": 2, "max": 3, "prompt_id": "e067a858-68fe-43cd-bf91-592d4b3e2bb7", "node": "2"}}""";

    private readonly TestScheduler _scheduler = new();
    private readonly FakeWebSocketConnector _connector;
    private readonly ListLogger _logger = new();

    public ComfyClientTests()
    {
        _connector = new FakeWebSocketConnector(_scheduler);
    }

    private ComfyClient Create(HttpMessageHandler? http = null, Action<ComfyClientOptions>? configure = null)
    {
        var options = new ComfyClientOptions
        {
            BaseAddress = new Uri("http://comfy.test:8188/"),
            ClientId = "client-1",
            Scheduler = _scheduler,
            Logger = _logger,
            HttpMessageHandler = http ?? FakeHttpHandler.Json("""{"exec_info": {"queue_remaining": 0}}"""),
        };
        configure?.Invoke(options);
        return new ComfyClient(options, _connector, () => 0.0);
    }

    [Fact]
    public async Task Events_FirstSubscription_ConnectsOnceAndSendsFeatureFlagsFirst()
    {
        await using var client = Create();
        using var progress = client.Progress.Subscribe(_ => { });
        using var status = client.Status.Subscribe(_ => { });
        using var all = client.Events.Subscribe(_ => { });

        Assert.Single(_connector.Attempts);
        Assert.Equal(
            """{"type":"feature_flags","data":{"supports_preview_metadata":true}}""",
            _connector.Last!.Sent[0]);
        Assert.Equal("ws://comfy.test:8188/ws?clientId=client-1", _connector.Attempts[0].Uri.ToString());
    }

    [Fact]
    public async Task Events_RequestPreviewMetadataOff_AnnouncesLegacyPreviews()
    {
        await using var client = Create(configure: o => o.RequestPreviewMetadata = false);
        using var _ = client.Events.Subscribe(_ => { });

        Assert.Contains("\"supports_preview_metadata\":false", _connector.Last!.Sent[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_MalformedFramesBetweenGoodOnes_AreLoggedSkippedAndTheNextFrameArrives()
    {
        await using var client = Create();
        var events = new List<ComfyEvent>();
        var errors = new List<Exception>();
        using var _ = client.Events.Subscribe(events.Add, errors.Add);

        _connector.Last!.Receive("{ this is not json");
        _connector.Last.ReceiveBinary([0, 0, 0]);
        _connector.Last.ReceiveBinary([0, 0, 0, 4, 0, 0, 1, 0, 1, 2]);
        _connector.Last.Receive(ProgressFrame);

        var progress = Assert.IsType<ProgressEvent>(events[^1]);
        Assert.Equal(2, progress.Value);
        Assert.Empty(errors);
        Assert.Equal(3, _logger.Lines.Count(e => e.StartsWith("Warning", StringComparison.Ordinal) && e.Contains("malformed", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Events_UnknownTypes_SurfaceAsUnknownEventsWithRawJson()
    {
        await using var client = Create();
        var events = new List<ComfyEvent>();
        using var _ = client.Events.Subscribe(events.Add);

        _connector.Last!.Receive("""{"type": "notification", "data": {"value": "hi", "id": 7}}""");
        _connector.Last.ReceiveBinary([0, 0, 0, 9, 1, 2, 3]);

        var unknown = Assert.IsType<UnknownEvent>(events[^2]);
        Assert.Equal("notification", unknown.Type);
        Assert.Equal(7, unknown.Raw.GetProperty("data").GetProperty("id").GetInt32());
        var binary = Assert.IsType<UnknownBinaryEvent>(events[^1]);
        Assert.Equal(9u, binary.EventType);
    }

    [Fact]
    public async Task Events_ServerAdvertisesProgressTextMetadata_TextFramesAreReadWithPromptId()
    {
        await using var client = Create();
        var texts = new List<ProgressTextEvent>();
        using var _ = client.ProgressText.Subscribe(texts.Add);

        _connector.Last!.ReceiveBinary(TextFrame(withPromptId: false));
        _connector.Last.Receive("""{"type": "feature_flags", "data": {"supports_preview_metadata": true, "supports_progress_text_metadata": true}}""");
        _connector.Last.ReceiveBinary(TextFrame(withPromptId: true));

        Assert.Equal(2, texts.Count);
        Assert.Equal(("5", "hello", null), (texts[0].NodeId, texts[0].Text, texts[0].PromptId));
        Assert.Equal(("5", "hello", "p-1"), (texts[1].NodeId, texts[1].Text, texts[1].PromptId));
        Assert.True(client.ServerFeatures!.SupportsProgressTextMetadata);
    }

    [Fact]
    public async Task Events_ThrowingSubscriber_DoesNotStopOtherSubscribersOrTheSocket()
    {
        await using var client = Create();
        var seen = new List<ProgressEvent>();
        using var bad = client.Progress.Subscribe(_ => throw new InvalidOperationException("subscriber bug"));
        using var good = client.Progress.Subscribe(seen.Add);

        _connector.Last!.Receive(ProgressFrame);
        _connector.Last.Receive(ProgressFrame);

        Assert.Equal(2, seen.Count);
        Assert.Equal(ConnectionState.Connected, client.ConnectionState);
    }

    [Fact]
    public async Task Events_SurviveReconnects_AndNeverError()
    {
        await using var client = Create();
        var progress = new List<ProgressEvent>();
        var notifications = new List<string>();
        using var _ = client.Progress.Subscribe(progress.Add, e => notifications.Add("error"), () => notifications.Add("completed"));

        for (var i = 0; i < 3; i++)
        {
            _connector.Last!.Receive(ProgressFrame);
            _connector.Last.Fail(new IOException("reset"));
            _scheduler.AdvanceBy(TimeSpan.FromMinutes(10).Ticks);
        }

        _connector.Last!.Receive(ProgressFrame);
        Assert.Equal(4, progress.Count);
        Assert.Equal(4, _connector.Attempts.Count);
        Assert.Empty(notifications);
    }

    [Fact]
    public async Task DisposeAsync_CompletesEventsAndConnection_AndIsIdempotent()
    {
        var client = Create();
        var notifications = new List<string>();
        var states = new List<ConnectionState>();
        using var events = client.Events.Subscribe(_ => { }, _ => notifications.Add("events error"), () => notifications.Add("events completed"));
        using var connection = client.Connection.Subscribe(states.Add, _ => notifications.Add("state error"), () => notifications.Add("state completed"));

        await client.DisposeAsync();
        await client.DisposeAsync();

        Assert.Contains("events completed", notifications);
        Assert.Contains("state completed", notifications);
        Assert.DoesNotContain(notifications, n => n.EndsWith("error", StringComparison.Ordinal));
        Assert.Equal(ConnectionState.Closed, states[^1]);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.ConnectAsync());
    }

    [Fact]
    public async Task Events_SubscribedAfterDispose_CompleteAtOnce()
    {
        var client = Create();
        await client.DisposeAsync();
        var notifications = new List<string>();

        using var events = client.Progress.Subscribe(_ => notifications.Add("event"), e => notifications.Add("error " + e.GetType().Name), () => notifications.Add("completed"));

        Assert.Equal(["completed"], notifications);
        Assert.Empty(_connector.Attempts);
    }

    [Fact]
    public async Task ConnectAsync_SocketUp_Completes()
    {
        await using var client = Create();
        await client.ConnectAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(ConnectionState.Connected, client.ConnectionState);
    }

    [Fact]
    public async Task ConnectAsync_ServerRefusesEverything_ThrowsConnectionExceptionNamingTheAddress()
    {
        var http = new FakeHttpHandler(_ => throw new HttpRequestException("Connection refused", new System.Net.Sockets.SocketException(111)));
        await using var client = Create(http);
        _connector.OnConnect = _ => FakeWebSocketConnector.Refuse();

        var error = await Assert.ThrowsAsync<ComfyConnectionException>(() => client.ConnectAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("comfy.test:8188", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectAsync_ProxyAnswers401_ThrowsAuthenticationException()
    {
        var http = FakeHttpHandler.Json("""{"error": "unauthorized"}""", HttpStatusCode.Unauthorized);
        await using var client = Create(http);
        _connector.OnConnect = _ => FakeWebSocketConnector.Refuse();

        await Assert.ThrowsAsync<ComfyAuthenticationException>(() => client.ConnectAsync().WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ConnectAsync_HttpFineButUpgradeRefused_SaysTheWebsocketFailed()
    {
        await using var client = Create();
        _connector.OnConnect = _ => FakeWebSocketConnector.Refuse();

        var error = await Assert.ThrowsAsync<ComfyConnectionException>(() => client.ConnectAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("websocket", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("ws://comfy.test:8188/ws", error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string> CredentialKinds => ["basic", "bearer", "header", "query"];

    [Theory]
    [MemberData(nameof(CredentialKinds))]
    public async Task Credentials_EachKind_ReachBothHttpAndTheWebsocketUpgrade_AndNeverTheLog(string kind)
    {
        const string secret = "s3cr3t-t0ken";
        var http = FakeHttpHandler.Json("""{"exec_info": {"queue_remaining": 0}}""");
        await using var client = Create(http, o => o.Credentials.Add(kind switch
        {
            "basic" => ComfyCredentials.Basic("alice", secret),
            "bearer" => ComfyCredentials.Bearer(secret),
            "header" => ComfyCredentials.Header("X-Api-Key", secret),
            _ => ComfyCredentials.QueryToken("token", secret),
        }));
        _connector.OnConnect = _ => FakeWebSocketConnector.Refuse();
        using var _ = client.Events.Subscribe(_ => { });
        _scheduler.AdvanceBy(TimeSpan.FromSeconds(30).Ticks);
        await client.Api.GetQueueStatusAsync();

        var expected = kind == "basic" ? Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:" + secret)) : secret;
        var upgrade = _connector.Attempts[0];
        var upgradeWire = upgrade.Uri + "\n" + string.Join("\n", upgrade.Headers.Select(h => h.Key + ": " + h.Value));
        Assert.Contains(expected, upgradeWire, StringComparison.Ordinal);
        var request = http.Single;
        Assert.Contains(expected, request.Uri + "\n" + request.Headers, StringComparison.Ordinal);

        Assert.NotEmpty(_logger.Lines);
        Assert.DoesNotContain(_logger.Lines, e => e.Contains(secret, StringComparison.Ordinal) || e.Contains(expected, StringComparison.Ordinal));
    }

    private static byte[] TextFrame(bool withPromptId)
    {
        var parts = new List<byte>();
        void Add(byte[] bytes)
        {
            var length = new byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(length, (uint)bytes.Length);
            parts.AddRange(length);
            parts.AddRange(bytes);
        }

        parts.AddRange(new byte[] { 0, 0, 0, 3 });
        if (withPromptId)
        {
            Add("p-1"u8.ToArray());
        }

        Add("5"u8.ToArray());
        parts.AddRange("hello"u8.ToArray());
        return [.. parts];
    }
}
