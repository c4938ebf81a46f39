using System.Net;
using System.Text;

namespace ComfyUI.Reactive.Tests.Rest;

/// <summary>The HTTP pipeline: every credential kind reaches the request through either kind of caller transport,
/// and only what we created is disposed.</summary>
public sealed class ComfyApiPipelineTests
{
    public enum Transport
    {
        MessageHandler,
        SuppliedHttpClient,
    }

    public static TheoryData<string, Transport> KindsAndTransports()
    {
        var data = new TheoryData<string, Transport>();
        foreach (var kind in new[] { "basic", "bearer", "header", "query" })
        {
            data.Add(kind, Transport.MessageHandler);
            data.Add(kind, Transport.SuppliedHttpClient);
        }

        return data;
    }

    private static ComfyCredentials Credential(string kind) => kind switch
    {
        "basic" => ComfyCredentials.Basic("alice", "pa:ss"),
        "bearer" => ComfyCredentials.Bearer("bearer-token"),
        "header" => ComfyCredentials.Header("X-API-Key", "header-key"),
        _ => ComfyCredentials.QueryToken("token", "query token/+"),
    };

    private static ComfyApi Build(FakeHttpHandler handler, Transport transport, out HttpClient? supplied, params ComfyCredentials[] credentials)
    {
        supplied = transport == Transport.SuppliedHttpClient ? new HttpClient(handler) : null;
        var options = new ComfyClientOptions
        {
            BaseAddress = TestApi.Base,
            HttpClient = supplied,
            HttpMessageHandler = supplied is null ? handler : null,
        };
        foreach (var credential in credentials)
        {
            options.Credentials.Add(credential);
        }

        return new ComfyApi(options);
    }

    [Theory]
    [MemberData(nameof(KindsAndTransports))]
    public async Task AnyRoute_EachCredentialKind_ReachesTheHttpRequest(string kind, Transport transport)
    {
        var handler = FakeHttpHandler.Json("{}");
        var api = Build(handler, transport, out var supplied, Credential(kind));
        using var _ = supplied;

        await api.GetHistoryAsync(maxItems: 2);

        var request = handler.Single;
        switch (kind)
        {
            case "basic":
                Assert.Equal("Basic", request.Headers.Authorization?.Scheme);
                Assert.Equal("alice:pa:ss", Encoding.UTF8.GetString(Convert.FromBase64String(request.Headers.Authorization!.Parameter!)));
                break;
            case "bearer":
                Assert.Equal("Bearer bearer-token", request.Headers.Authorization?.ToString());
                break;
            case "header":
                Assert.Equal(["header-key"], request.Headers.GetValues("X-API-Key"));
                break;
            default:
                Assert.Equal("?max_items=2&token=query%20token%2F%2B", request.Uri.Query);
                break;
        }

        Assert.Equal("/api/history", request.Uri.AbsolutePath);
    }

    [Theory]
    [InlineData(Transport.MessageHandler)]
    [InlineData(Transport.SuppliedHttpClient)]
    public async Task AnyRoute_SeveralCredentials_AreAllApplied(Transport transport)
    {
        var handler = FakeHttpHandler.Json("{}");
        var api = Build(handler, transport, out var supplied, Credential("bearer"), Credential("header"), Credential("query"));
        using var _ = supplied;

        await api.ClearQueueAsync();

        var request = handler.Single;
        Assert.Equal("Bearer", request.Headers.Authorization?.Scheme);
        Assert.True(request.Headers.Contains("X-API-Key"));
        Assert.Contains("token=", request.Uri.Query, StringComparison.Ordinal);
        Assert.Equal("""{"clear":true}""", request.BodyText);
    }

    [Fact]
    public async Task SuppliedHttpClient_DefaultHeadersAndHandlersApply_AndItIsNotDisposed()
    {
        var handler = FakeHttpHandler.Json("""{"exec_info":{"queue_remaining":1}}""");
        using var supplied = new HttpClient(handler) { BaseAddress = new Uri("http://ignored.test/") };
        supplied.DefaultRequestHeaders.Add("Comfy-User", "alice_1");
        var api = new ComfyApi(new ComfyClientOptions { BaseAddress = TestApi.Base, HttpClient = supplied });

        Assert.Equal(1, (await api.GetQueueStatusAsync()).QueueRemaining);
        api.Release();

        var request = handler.Single;
        Assert.Equal("http://comfy.test:8188/api/prompt", request.Uri.ToString());
        Assert.Equal(["alice_1"], request.Headers.GetValues("Comfy-User"));
        Assert.False(handler.Disposed);
        using var stillUsable = await supplied.GetAsync("http://comfy.test:8188/api/prompt");
        Assert.Equal(HttpStatusCode.OK, stillUsable.StatusCode);
    }

    [Fact]
    public async Task SuppliedHttpClient_TakesPrecedenceOverHandler()
    {
        var viaClient = FakeHttpHandler.Json("[]");
        var viaHandler = FakeHttpHandler.Json("[]");
        using var supplied = new HttpClient(viaClient);
        var api = new ComfyApi(new ComfyClientOptions { BaseAddress = TestApi.Base, HttpClient = supplied, HttpMessageHandler = viaHandler });

        await api.GetEmbeddingsAsync();

        Assert.Single(viaClient.Requests);
        Assert.Empty(viaHandler.Requests);
    }

    [Fact]
    public async Task SuppliedHandler_IsNotDisposed()
    {
        var handler = FakeHttpHandler.Json("[]");
        var api = TestApi.Over(handler);

        await api.GetExtensionsAsync();
        api.Release();

        Assert.False(handler.Disposed);
    }

    [Fact]
    public void Constructor_InvalidOptions_Throws()
    {
        Assert.Throws<ArgumentException>(() => new ComfyApi(new ComfyClientOptions { BaseAddress = new Uri("ftp://x/") }));
        Assert.Throws<ArgumentNullException>(() => new ComfyApi(null!));
    }

    [Fact]
    public async Task Constructor_OptionsChangedLater_HaveNoEffect()
    {
        var handler = FakeHttpHandler.Json("[]");
        var options = new ComfyClientOptions { BaseAddress = TestApi.Base, HttpMessageHandler = handler };
        var api = new ComfyApi(options);
        options.Credentials.Add(ComfyCredentials.Bearer("added-later"));

        await api.GetEmbeddingsAsync();

        Assert.Null(handler.Single.Headers.Authorization);
    }
}
