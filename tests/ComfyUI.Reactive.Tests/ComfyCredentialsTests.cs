namespace ComfyUI.Reactive.Tests;

public sealed class ComfyCredentialsTests
{
    private const string Secret = "s3cr3t-t0ken";

    public static TheoryData<string> Kinds => ["basic", "bearer", "header", "query"];

    private static ComfyCredentials Create(string kind) => kind switch
    {
        "basic" => ComfyCredentials.Basic("alice", Secret),
        "bearer" => ComfyCredentials.Bearer(Secret),
        "header" => ComfyCredentials.Header("X-Api-Key", Secret),
        "query" => ComfyCredentials.QueryToken("token", Secret),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void ToString_AnyKind_NeverContainsSecret(string kind)
    {
        var text = Create(kind).ToString()!;
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.Contains("***", text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Apply_AnyKind_ReachesRequestAndRedactRemovesIt(string kind)
    {
        var credentials = Create(kind);
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:8188/api/queue?x=1");
        credentials.Apply(request);

        var wire = request.RequestUri + "\n" + request.Headers;
        var expected = kind == "basic" ? Convert.ToBase64String("alice:s3cr3t-t0ken"u8.ToArray()) : Secret;
        Assert.Contains(expected, wire, StringComparison.Ordinal);
        Assert.DoesNotContain(expected, credentials.Redact(wire), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, credentials.Redact(wire), StringComparison.Ordinal);
    }

    [Fact]
    public void ApplyToWebSocket_QueryToken_KeepsOtherParametersAndReplacesOldToken()
    {
        var uri = ComfyCredentials.QueryToken("token", Secret)
            .ApplyToWebSocket(new Uri("ws://h:1/ws?clientId=abc&token=old"), (_, _) => throw new InvalidOperationException());
        Assert.Equal("ws://h:1/ws?clientId=abc&token=" + Secret, uri.ToString());
    }

    [Fact]
    public void ApplyToWebSocket_Bearer_SetsAuthorizationHeader()
    {
        var headers = new List<(string Name, string Value)>();
        var uri = ComfyCredentials.Bearer(Secret).ApplyToWebSocket(new Uri("ws://h:1/ws"), (n, v) => headers.Add((n, v)));
        Assert.Equal(new Uri("ws://h:1/ws"), uri);
        Assert.Equal([("Authorization", "Bearer " + Secret)], headers);
    }

    [Fact]
    public void Basic_UserNameWithColon_Throws()
    {
        Assert.Throws<ArgumentException>(() => ComfyCredentials.Basic("a:b", "p"));
    }
}
