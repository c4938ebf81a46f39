using ComfyUI.Reactive.Transport;

namespace ComfyUI.Reactive.Tests.Transport;

public sealed class WebSocketEndpointTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8188/", "ws://127.0.0.1:8188/ws?clientId=abc")]
    [InlineData("http://127.0.0.1:8188", "ws://127.0.0.1:8188/ws?clientId=abc")]
    [InlineData("https://comfy.example.com/", "wss://comfy.example.com/ws?clientId=abc")]
    [InlineData("http://comfy.example.com/", "ws://comfy.example.com/ws?clientId=abc")]
    [InlineData("https://comfy.example.com:8443/", "wss://comfy.example.com:8443/ws?clientId=abc")]
    [InlineData("https://proxy.example.com/team/comfy/", "wss://proxy.example.com/team/comfy/ws?clientId=abc")]
    [InlineData("https://proxy.example.com/team/comfy", "wss://proxy.example.com/team/comfy/ws?clientId=abc")]
    [InlineData("http://host/?ignored=1#frag", "ws://host/ws?clientId=abc")]
    public void Create_BaseAddress_MapsSchemeAndKeepsPathPrefix(string baseAddress, string expected)
    {
        var endpoint = WebSocketEndpoint.Create(new Uri(baseAddress), "abc", []);

        Assert.Equal(expected, endpoint.Uri.AbsoluteUri);
        Assert.Empty(endpoint.Headers);
    }

    [Fact]
    public void Create_ClientIdNeedingEscapes_IsEscaped()
    {
        var endpoint = WebSocketEndpoint.Create(new Uri("http://h/"), "a b&c", []);

        Assert.Equal("ws://h/ws?clientId=a%20b%26c", endpoint.Uri.AbsoluteUri);
    }

    [Fact]
    public void Create_AllCredentialKinds_HeadersAndQueryTokensApplied()
    {
        var endpoint = WebSocketEndpoint.Create(
            new Uri("https://h/p/"),
            "abc",
            [
                ComfyCredentials.Basic("ann", "pw1"),
                ComfyCredentials.Header("X-API-Key", "key2"),
                ComfyCredentials.Bearer("tok3"), // replaces the basic Authorization header: one value per name
                ComfyCredentials.QueryToken("token", "q4"),
            ]);

        Assert.Equal("wss://h/p/ws?clientId=abc&token=q4", endpoint.Uri.AbsoluteUri);
        Assert.Equal(
            [new("X-API-Key", "key2"), new KeyValuePair<string, string>("Authorization", "Bearer tok3")],
            endpoint.Headers);
    }

    [Fact]
    public void Redact_AnyTextWithSecrets_ReplacesEverySecret()
    {
        var endpoint = WebSocketEndpoint.Create(
            new Uri("https://h/"),
            "abc",
            [ComfyCredentials.Bearer("tok3"), ComfyCredentials.QueryToken("token", "q 4")]);

        Assert.Equal("wss://h/ws?clientId=abc&token=***", endpoint.RedactedUri);
        Assert.Equal("failed for *** at ?token=*** (***)", endpoint.Redact("failed for Bearer tok3 at ?token=q%204 (tok3)"));
    }

    [Fact]
    public void Create_NotHttp_Throws()
    {
        Assert.Throws<ArgumentException>(() => WebSocketEndpoint.Create(new Uri("ws://h/"), "abc", []));
        Assert.Throws<ArgumentException>(() => WebSocketEndpoint.Create(new Uri("http://h/"), "", []));
    }
}
