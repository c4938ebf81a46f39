using System.Net;
using System.Text.Json;
using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Tests.Rest;

/// <summary>Every failure becomes our exception, carries the server's details, and never shows a credential.</summary>
public sealed class ComfyApiErrorsTests
{
    private const string Secret = "s3cr3t-Value";

    private static readonly PromptRequest AnyPrompt = new() { Prompt = JsonDocument.Parse("{}").RootElement.Clone() };

    private static FakeHttpHandler Answering(HttpStatusCode status, string? body, string? mediaType = "application/json") =>
        new(_ => FakeHttpHandler.Answer(status, body, mediaType));

    private static ComfyClientOptions AllCredentialKinds(ComfyClientOptions options)
    {
        options.Credentials.Add(ComfyCredentials.Basic("alice", Secret + "-basic"));
        options.Credentials.Add(ComfyCredentials.Bearer(Secret + "-bearer"));
        options.Credentials.Add(ComfyCredentials.Header("X-API-Key", Secret + "-header"));
        options.Credentials.Add(ComfyCredentials.QueryToken("token", Secret + "-query"));
        return options;
    }

    private static void AssertNoSecret(Exception exception)
    {
        Assert.DoesNotContain(Secret, exception.ToString(), StringComparison.Ordinal);
        if (exception is ComfyApiException api)
        {
            Assert.DoesNotContain(Secret, api.RequestUri?.ToString() ?? string.Empty, StringComparison.Ordinal);
            Assert.DoesNotContain(Secret, api.ResponseBody ?? string.Empty, StringComparison.Ordinal);
        }
    }

    // fixture, error type, then "node:itemType+itemType" per node with errors of its own.
    [Theory]
    [InlineData("validation-bad_combo_value.json", "prompt_outputs_failed_validation", "2:value_not_in_list")]
    [InlineData("validation-link_to_missing_node.json", "prompt_outputs_failed_validation", "2:exception_during_inner_validation")]
    [InlineData("validation-missing_input_file.json", "prompt_outputs_failed_validation", "1:custom_validation_failed")]
    [InlineData("validation-missing_required_input.json", "prompt_outputs_failed_validation", "1:required_input_missing")]
    [InlineData("validation-no_output_node.json", "prompt_no_outputs", "")]
    [InlineData("validation-type_mismatch.json", "prompt_outputs_failed_validation", "2:return_type_mismatch")]
    [InlineData("validation-unknown_class_type.json", "invalid_prompt", "")]
    [InlineData("validation-value_out_of_range.json", "prompt_outputs_failed_validation", "1:value_bigger_than_max+value_smaller_than_min")]
    [InlineData("validation-wrong_value_type.json", "prompt_outputs_failed_validation", "1:invalid_input_type")]
    [InlineData("validation-no_prompt_key.json", "no_prompt", "")]
    [InlineData("validation-prompt_is_an_empty_object.json", "prompt_no_outputs", "")]
    public async Task SubmitPromptAsync_Recorded400_ThrowsValidationWithEveryNodeError(string fixture, string errorType, string nodes)
    {
        var body = RestFixtures.Read(fixture);
        var api = TestApi.Over(Answering(HttpStatusCode.BadRequest, body));

        var error = await Assert.ThrowsAsync<ComfyPromptValidationException>(() => api.SubmitPromptAsync(AnyPrompt));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.Equal("POST", error.Method);
        Assert.Equal("/api/prompt", error.RequestUri?.AbsolutePath);
        Assert.Equal(body, error.ResponseBody);
        Assert.Equal(errorType, error.Error.Type);
        Assert.Contains(errorType, error.Message, StringComparison.Ordinal);
        var expected = nodes.Length == 0
            ? []
            : nodes.Split(' ').Select(n => n.Split(':')).ToDictionary(n => n[0], n => n[1].Split('+'));
        Assert.Equal(expected.Keys.Order(), error.NodeErrors.Keys.Order());
        foreach (var (id, types) in expected)
        {
            Assert.Equal(types, error.NodeErrors[id].Errors.Select(e => e.Type));
            Assert.NotEmpty(error.NodeErrors[id].ClassType);
            Assert.NotEmpty(error.NodeErrors[id].DependentOutputs);
            Assert.Contains($"Node {id} ({error.NodeErrors[id].ClassType})", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task SubmitPromptAsync_BadCombo_ExposesInputNameReceivedValueAndConfig()
    {
        var api = TestApi.Over(Answering(HttpStatusCode.BadRequest, RestFixtures.Read("validation-bad_combo_value.json")));

        var error = await Assert.ThrowsAsync<ComfyPromptValidationException>(() => api.SubmitPromptAsync(AnyPrompt));

        var item = Assert.Single(error.NodeErrors["2"].Errors);
        Assert.Equal("Value not in list", item.Message);
        Assert.Equal("upscale_method", item.InputName);
        Assert.Equal("superres", item.ReceivedValue?.GetString());
        Assert.Equal(JsonValueKind.Array, item.ExtraInfo.GetProperty("input_config").ValueKind);
        Assert.Equal(["3"], error.NodeErrors["2"].DependentOutputs);
        Assert.Equal("ImageScale", error.NodeErrors["2"].ClassType);
    }

    [Fact]
    public async Task SubmitPromptAsync_OutOfRange_ExposesNumericReceivedValues()
    {
        var api = TestApi.Over(Answering(HttpStatusCode.BadRequest, RestFixtures.Read("validation-value_out_of_range.json")));

        var error = await Assert.ThrowsAsync<ComfyPromptValidationException>(() => api.SubmitPromptAsync(AnyPrompt));

        var errors = error.NodeErrors["1"].Errors;
        Assert.Equal(("height", 99999), (errors[0].InputName, errors[0].ReceivedValue!.Value.GetInt32()));
        Assert.Equal(("width", 0), (errors[1].InputName, errors[1].ReceivedValue!.Value.GetInt32()));
    }

    [Fact]
    public async Task SubmitPromptAsync_LinkToMissingNode_ExposesExceptionType()
    {
        var api = TestApi.Over(Answering(HttpStatusCode.BadRequest, RestFixtures.Read("validation-link_to_missing_node.json")));

        var error = await Assert.ThrowsAsync<ComfyPromptValidationException>(() => api.SubmitPromptAsync(AnyPrompt));

        Assert.Equal("KeyError", error.NodeErrors["2"].Errors[0].ExceptionType);
    }

    [Fact]
    public async Task SubmitPromptAsync_UnknownClassType_MessageCarriesTheDetails()
    {
        var api = TestApi.Over(Answering(HttpStatusCode.BadRequest, RestFixtures.Read("validation-unknown_class_type.json")));

        var error = await Assert.ThrowsAsync<ComfyPromptValidationException>(() => api.SubmitPromptAsync(AnyPrompt));

        Assert.Equal("Node ID '#1'", error.Error.Details);
        Assert.Contains("NoSuchNode", error.Message, StringComparison.Ordinal);
        Assert.Contains("Node ID '#1'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitPromptAsync_OldShapeStringErrorAndArrayNodeErrors_ThrowsValidation()
    {
        var api = TestApi.Over(Answering(HttpStatusCode.BadRequest, """{"error": "no prompt", "node_errors": []}"""));

        var error = await Assert.ThrowsAsync<ComfyPromptValidationException>(() => api.SubmitPromptAsync(AnyPrompt));

        Assert.Equal("no prompt", error.Error.Message);
        Assert.Equal(string.Empty, error.Error.Type);
        Assert.Empty(error.NodeErrors);
        Assert.Contains("no prompt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitPromptAsync_NonJson500_ThrowsApiExceptionWithTheText()
    {
        var body = RestFixtures.Read("validation-body_is_not_json-500.txt");
        var api = TestApi.Over(Answering(HttpStatusCode.InternalServerError, body, "text/plain"));

        var error = await Assert.ThrowsAsync<ComfyApiException>(() => api.SubmitPromptAsync(AnyPrompt));

        Assert.IsType<ComfyApiException>(error);
        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        Assert.Equal(body, error.ResponseBody);
        Assert.Contains("POST /api/prompt failed with 500", error.Message, StringComparison.Ordinal);
        Assert.Contains("Server got itself in trouble", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitPromptAsync_400WithoutJson_ThrowsPlainApiException()
    {
        var api = TestApi.Over(Answering(HttpStatusCode.BadRequest, "bad", "text/plain"));

        var error = await Assert.ThrowsAsync<ComfyApiException>(() => api.SubmitPromptAsync(AnyPrompt));

        Assert.IsType<ComfyApiException>(error);
        Assert.Equal("bad", error.ResponseBody);
    }

    [Fact]
    public async Task OtherRoute_400WithErrorJson_IsNotAPromptValidation()
    {
        var api = TestApi.Over(Answering(HttpStatusCode.BadRequest, """{"error":"job_ids must be a list"}"""));

        var error = await Assert.ThrowsAsync<ComfyApiException>(() => api.CancelJobsAsync(["x"]));

        Assert.IsType<ComfyApiException>(error);
        Assert.Contains("job_ids must be a list", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitPromptAsync_200WithNodeErrors_ReturnsThemWithoutThrowing()
    {
        var errors = JsonDocument.Parse(RestFixtures.Read("validation-missing_required_input.json")).RootElement.GetProperty("node_errors").GetRawText();
        var api = TestApi.Over(FakeHttpHandler.Json($$"""{"prompt_id":"p","number":3,"node_errors":{{errors}}}"""));

        var response = await api.SubmitPromptAsync(AnyPrompt);

        Assert.True(response.HasNodeErrors);
        Assert.Equal("required_input_missing", response.NodeErrors["1"].Errors[0].Type);
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.Forbidden)]
    public async Task AnyRoute_401Or403WithoutCredentials_SaysNoneAreConfigured(HttpStatusCode status)
    {
        var api = TestApi.Over(Answering(status, null));

        var error = await Assert.ThrowsAsync<ComfyAuthenticationException>(() => api.GetSystemStatsAsync());

        Assert.Equal(status, error.StatusCode);
        Assert.Contains("No credentials are configured", error.Message, StringComparison.Ordinal);
        Assert.Equal(status == HttpStatusCode.Forbidden, error.Message.Contains("cross-site", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnyRoute_403WithEveryCredentialKind_NamesThemRedacted()
    {
        var handler = Answering(HttpStatusCode.Forbidden, "denied token=" + Secret + "-query", "text/plain");
        var api = new ComfyApi(AllCredentialKinds(new ComfyClientOptions { BaseAddress = TestApi.Base, HttpMessageHandler = handler }));

        var error = await Assert.ThrowsAsync<ComfyAuthenticationException>(() => api.GetHistoryAsync(maxItems: 1));

        Assert.Contains("Basic(user=alice, password=***)", error.Message, StringComparison.Ordinal);
        Assert.Contains("Bearer(***)", error.Message, StringComparison.Ordinal);
        Assert.Contains("Header(X-API-Key=***)", error.Message, StringComparison.Ordinal);
        Assert.Contains("QueryToken(token=***)", error.Message, StringComparison.Ordinal);
        Assert.Equal("?max_items=1&token=***", error.RequestUri?.Query);
        Assert.Contains(Secret, handler.Single.Uri.Query, StringComparison.Ordinal);
        AssertNoSecret(error);
    }

    [Fact]
    public async Task AnyRoute_500WithQueryToken_RedactsUriAndBody()
    {
        var handler = Answering(HttpStatusCode.InternalServerError, "echo " + Secret + "-bearer", "text/plain");
        var api = new ComfyApi(AllCredentialKinds(new ComfyClientOptions { BaseAddress = TestApi.Base, HttpMessageHandler = handler }));

        var error = await Assert.ThrowsAsync<ComfyApiException>(() => api.GetQueueAsync());

        Assert.Equal("echo ***", error.ResponseBody);
        AssertNoSecret(error);
    }

    [Fact]
    public async Task AnyRoute_HttpRequestExceptionWithoutStatus_ThrowsConnectionNamingTheRedactedBase()
    {
        var handler = new FakeHttpHandler((_, _) => Task.FromException<HttpResponseMessage>(
            new HttpRequestException("Connection refused (comfy.test:8188)", new IOException("refused"))));
        var options = AllCredentialKinds(new ComfyClientOptions
        {
            BaseAddress = new Uri($"http://bob:{Secret}-userinfo@comfy.test:8188/"),
            HttpMessageHandler = handler,
        });
        var api = new ComfyApi(options);

        var error = await Assert.ThrowsAsync<ComfyConnectionException>(() => api.GetSystemStatsAsync());

        Assert.Contains("http://comfy.test:8188/", error.Message, StringComparison.Ordinal);
        Assert.Contains("Connection refused", error.Message, StringComparison.Ordinal);
        Assert.IsType<HttpRequestException>(error.InnerException);
        AssertNoSecret(error);
    }

    [Fact]
    public async Task AnyRoute_NothingListening_ThrowsConnection()
    {
        // The default pipeline (our own SocketsHttpHandler) against a port nothing listens on.
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var api = new ComfyApi(new ComfyClientOptions { BaseAddress = new Uri($"http://127.0.0.1:{port}/") });

        var error = await Assert.ThrowsAsync<ComfyConnectionException>(() => api.GetSystemStatsAsync()).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyRoute_HttpClientTimeout_ThrowsTimeoutWithRequestPhase()
    {
        var handler = new FakeHttpHandler(async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        });
        var options = AllCredentialKinds(new ComfyClientOptions
        {
            BaseAddress = TestApi.Base,
            HttpMessageHandler = handler,
            RequestTimeout = TimeSpan.FromMilliseconds(50),
        });
        var api = new ComfyApi(options);

        var error = await Assert.ThrowsAsync<ComfyTimeoutException>(() => api.GetQueueAsync()).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("request", error.Phase);
        Assert.Equal(TimeSpan.FromMilliseconds(50), error.Limit);
        Assert.Contains("GET /api/queue", error.Message, StringComparison.Ordinal);
        AssertNoSecret(error);
    }

    [Fact]
    public async Task AnyRoute_CallerCancels_ThrowsOperationCanceled()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new FakeHttpHandler(async (_, ct) =>
        {
            entered.SetResult();
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        });
        var api = TestApi.Over(handler);
        using var cts = new CancellationTokenSource();

        var call = api.GetQueueAsync(cts.Token);
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cts.CancelAsync();

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(cts.Token, error.CancellationToken);
    }

    [Fact]
    public async Task AnyRoute_AlreadyCancelled_ThrowsOperationCanceledWithoutSending()
    {
        var handler = FakeHttpHandler.Json("{}");
        var api = TestApi.Over(handler);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => api.GetQueueAsync(new CancellationToken(canceled: true)));
        Assert.Empty(handler.Requests);
    }

    /// <summary>The reads the SDK parses itself from the body's bytes (the shared catalog, the queue's ids).</summary>
    public static TheoryData<string> OwnReads => new() { "catalog", "queue ids" };

    [Theory]
    [MemberData(nameof(OwnReads))]
    public async Task OwnRead_UnreadableAnswer_ThrowsApiExceptionSayingSo(string read)
    {
        var api = TestApi.Over(FakeHttpHandler.Json("<html>proxy login</html>"));

        var error = await Assert.ThrowsAsync<ComfyApiException>(() => OwnRead(api, read));

        Assert.Equal(HttpStatusCode.OK, error.StatusCode);
        Assert.Contains("could not be read", error.Message, StringComparison.Ordinal);
        Assert.Contains("proxy login", error.ResponseBody, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(OwnReads))]
    public async Task OwnRead_ErrorStatus_ThrowsApiExceptionWithIt(string read)
    {
        var api = TestApi.Over(FakeHttpHandler.Json("""{"error":"boom"}""", HttpStatusCode.InternalServerError));

        var error = await Assert.ThrowsAsync<ComfyApiException>(() => OwnRead(api, read));

        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
    }

    private static Task OwnRead(ComfyApi api, string read) =>
        read == "catalog" ? api.GetCatalogAsync(CancellationToken.None) : api.GetQueueIdsAsync(CancellationToken.None);

    [Fact]
    public async Task AnyRoute_UnreadableAnswer_ThrowsApiExceptionSayingSo()
    {
        var api = TestApi.Over(FakeHttpHandler.Json("<html>proxy login</html>"));

        var error = await Assert.ThrowsAsync<ComfyApiException>(() => api.GetSystemStatsAsync());

        Assert.Equal(HttpStatusCode.OK, error.StatusCode);
        Assert.Contains("could not be read", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DownloadAsync_MissingFile_ThrowsApiExceptionWith404()
    {
        var api = TestApi.Over(Answering(HttpStatusCode.NotFound, null));

        var error = await Assert.ThrowsAsync<ComfyApiException>(() => api.DownloadAsync("does_not_exist.png", type: "output"));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Equal("GET", error.Method);
        Assert.Equal("/api/view", error.RequestUri?.AbsolutePath);
        Assert.Null(error.ResponseBody);
    }

    [Fact]
    public async Task GetUserDataAsync_Conflict_ThrowsApiExceptionWithText()
    {
        var api = TestApi.Over(Answering(HttpStatusCode.NotFound, "File not found", "text/plain"));

        var error = await Assert.ThrowsAsync<ComfyApiException>(() => api.GetUserDataAsync("a.json"));

        Assert.Equal("File not found", error.ResponseBody);
    }

    [Fact]
    public async Task Dispose_ThenCall_ThrowsObjectDisposed()
    {
        var api = TestApi.Over(FakeHttpHandler.Json("{}"));
        api.Release();
        api.Release();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => api.GetQueueAsync());
    }

    [Fact]
    public async Task UploadImageAsync_TooLarge_SaysWhy()
    {
        var api = TestApi.Over(Answering(HttpStatusCode.RequestEntityTooLarge, null));

        var error = await Assert.ThrowsAsync<ComfyApiException>(() => api.UploadImageAsync(new MemoryStream([1]), "a.png"));

        Assert.Contains("max-upload-size", error.Message, StringComparison.Ordinal);
    }
}
