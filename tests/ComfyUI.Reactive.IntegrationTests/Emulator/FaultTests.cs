using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text;
using ComfyUI.Reactive.Emulator;

namespace ComfyUI.Reactive.IntegrationTests.Emulator;

/// <summary>Every fault knob, observed over raw sockets.</summary>
public sealed class FaultTests
{
    [Fact]
    public async Task StopAndRestart_SamePort_RefusesThenServesWithFreshState()
    {
        await using var emulator = await ComfyEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        var port = emulator.Port;
        await using var c = await RawClient.ConnectAsync(emulator.BaseAddress, "restart", featureFlags: false);
        await c.WaitForDoneAsync(await Fixture.SubmitAsync(http, Fixture.Workflow("text_preview_any"), "restart"));

        await emulator.StopAsync();
        Assert.False(emulator.IsRunning);
        await c.WaitForDisconnectAsync();
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/prompt"));

        await emulator.RestartAsync();
        Assert.Equal(port, emulator.Port);
        Assert.Equal("{}", await http.GetStringAsync("/history"));
        await using var d = await RawClient.ConnectAsync(emulator.BaseAddress, "restart", featureFlags: false);
        await d.WaitForDoneAsync(await Fixture.SubmitAsync(http, Fixture.Workflow("text_preview_any"), "restart"));
        Assert.Equal(2, emulator.TotalExecutions);
    }

    [Fact]
    public async Task DropAllSockets_AbortsConnections_NewOnesAreAccepted()
    {
        await using var emulator = await ComfyEmulator.StartAsync();
        await using var c = await RawClient.ConnectAsync(emulator.BaseAddress, "drop", featureFlags: false);
        await c.WaitForAsync(f => f.Type == "status");
        emulator.Faults.DropAllSockets();
        await c.WaitForDisconnectAsync();
        Assert.NotEqual(WebSocketState.Open, c.State);
        await using var d = await RawClient.ConnectAsync(emulator.BaseAddress, "drop", featureFlags: false);
        Assert.Equal("status", (await d.NextAsync()).Type);
    }

    [Fact]
    public async Task RefuseWebSockets_UntilAccepted_UpgradeFails()
    {
        await using var emulator = await ComfyEmulator.StartAsync();
        emulator.Faults.RefuseWebSockets();
        await Assert.ThrowsAsync<WebSocketException>(() => RawClient.ConnectAsync(emulator.BaseAddress, "refused", featureFlags: false));
        emulator.Faults.AcceptWebSockets();
        await using var c = await RawClient.ConnectAsync(emulator.BaseAddress, "refused", featureFlags: false);
        Assert.Equal("status", (await c.NextAsync()).Type);
    }

    [Fact]
    public async Task RefuseWebSockets_ForAWhile_UsesTheEmulatorClock()
    {
        var clock = new ManualClock();
        await using var emulator = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { TimeProvider = clock });
        emulator.Faults.RefuseWebSockets(TimeSpan.FromSeconds(30));
        await Assert.ThrowsAsync<WebSocketException>(() => RawClient.ConnectAsync(emulator.BaseAddress, "later", featureFlags: false));
        clock.Advance(TimeSpan.FromSeconds(31));
        await using var c = await RawClient.ConnectAsync(emulator.BaseAddress, "later", featureFlags: false);
        Assert.Equal("status", (await c.NextAsync()).Type);
    }

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset now = DateTimeOffset.UnixEpoch.AddYears(56);

        public override DateTimeOffset GetUtcNow() => now;

        public void Advance(TimeSpan by) => now += by;
    }

    [Fact]
    public async Task PauseQueue_AcceptsButNeverStarts_UntilResumed()
    {
        await using var emulator = await ComfyEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        await using var c = await RawClient.ConnectAsync(emulator.BaseAddress, "paused", featureFlags: false);
        await c.WaitForAsync(f => f.Type == "status");
        emulator.Faults.PauseQueue();
        var id = await Fixture.SubmitAsync(http, Fixture.Workflow("text_preview_any"), "paused");
        Assert.Equal(1, (await c.NextAsync()).Data!["status"]!["exec_info"]!["queue_remaining"]!.GetValue<int>());
        var queue = await Fixture.GetJsonAsync(http, "/queue");
        Assert.Equal(id, queue["queue_pending"]![0]![1]!.GetValue<string>());
        Assert.Equal(0, emulator.GetExecutionCount(id));
        emulator.Faults.ResumeQueue();
        await c.WaitForDoneAsync(id);
        Assert.Equal(1, emulator.GetExecutionCount(id));
    }

    [Fact]
    public async Task HangNode_StaysRunningUntilReleased()
    {
        await using var emulator = await ComfyEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        await using var c = await RawClient.ConnectAsync(emulator.BaseAddress, "hang", featureFlags: false);
        emulator.Faults.HangNode("PreviewAny");
        var id = await Fixture.SubmitAsync(http, Fixture.Workflow("text_preview_any"), "hang");
        await c.WaitForAsync(f => f.Label == "executing(2)");
        await Fixture.PostJsonAsync(http, "/interrupt", "");
        Assert.Equal(id, (await Fixture.GetJsonAsync(http, "/queue"))["queue_running"]![0]![1]!.GetValue<string>());
        emulator.Faults.ReleaseHungNodes();
        await c.WaitForDoneAsync(id);
        // A stuck node does not poll the interrupt flag, and it was the last node: the prompt still succeeds.
        Assert.Contains(c.Seen, f => f.Label == "execution_success");
    }

    [Fact]
    public async Task FailNode_GivesExecutionError()
    {
        await using var emulator = await ComfyEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        await using var c = await RawClient.ConnectAsync(emulator.BaseAddress, "fail", featureFlags: false);
        emulator.Faults.FailNode("StringConcatenate", "boom");
        var id = await Fixture.SubmitAsync(http, Fixture.Workflow("text_preview_any"), "fail");
        await c.WaitForDoneAsync(id);
        var error = c.Seen.Single(f => f.Type == "execution_error").Data!;
        Assert.Equal(("1", "boom\n", "RuntimeError"), (error["node_id"]!.GetValue<string>(), error["exception_message"]!.GetValue<string>(), error["exception_type"]!.GetValue<string>()));
    }

    [Fact]
    public async Task FailRoute_ForNRequests_ThenRecovers()
    {
        await using var emulator = await ComfyEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        emulator.Faults.FailRoute("/system_stats", 503, count: 2);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/api/system_stats")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/system_stats")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/system_stats")).StatusCode);
        emulator.Faults.FailRoute("/prompt");
        Assert.Equal(HttpStatusCode.InternalServerError, (await http.GetAsync("/prompt")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/queue")).StatusCode);
        emulator.Faults.ClearRouteFailures();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/prompt")).StatusCode);
    }

    [Fact]
    public async Task SendMalformedFrame_ArrivesAsIsAndSocketLivesOn()
    {
        await using var emulator = await ComfyEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        await using var c = await RawClient.ConnectAsync(emulator.BaseAddress, "bad", featureFlags: false);
        await c.WaitForAsync(f => f.Type == "status");
        emulator.Faults.SendMalformedFrame("bad");
        Assert.Equal("{\"type\": \"status\", \"data\": {", (await c.NextAsync()).Text);
        emulator.Faults.SendBinaryFrame([0, 0, 0, 9, 1]);
        Assert.Equal(9u, (await c.NextAsync()).BinaryType);
        await c.WaitForDoneAsync(await Fixture.SubmitAsync(http, Fixture.Workflow("text_preview_any"), "bad"));
    }

    [Fact]
    public async Task SlowResponses_DelayHttp()
    {
        await using var emulator = await ComfyEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress, Timeout = TimeSpan.FromMilliseconds(300) };
        emulator.Faults.SlowResponses(TimeSpan.FromSeconds(5));
        await Assert.ThrowsAnyAsync<TaskCanceledException>(() => http.GetAsync("/prompt"));
        emulator.Faults.SlowResponses(TimeSpan.Zero);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/prompt")).StatusCode);
    }

    [Fact]
    public async Task BearerAuth_RequiredOnHttpAndUpgrade()
    {
        await using var emulator = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { Auth = EmulatorAuth.Bearer("s3cret") });
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        using var denied = await http.GetAsync("/prompt");
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        Assert.Equal("Bearer", denied.Headers.WwwAuthenticate.Single().Scheme);
        await Assert.ThrowsAsync<WebSocketException>(() => RawClient.ConnectAsync(emulator.BaseAddress, "auth", featureFlags: false));

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret");
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/prompt")).StatusCode);
        await using var c = await RawClient.ConnectAsync(emulator.BaseAddress, "auth", featureFlags: false, o => o.SetRequestHeader("Authorization", "Bearer s3cret"));
        Assert.Equal("status", (await c.NextAsync()).Type);
        Assert.DoesNotContain("s3cret", EmulatorAuth.Bearer("s3cret").ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BasicAuth_SwitchedOnAtRuntime_ThenReset()
    {
        await using var emulator = await ComfyEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        emulator.Faults.RequireAuth(EmulatorAuth.Basic("user", "pw"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/queue")).StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/queue");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("user:pw")));
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(request)).StatusCode);
        emulator.Faults.Reset();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/queue")).StatusCode);
    }

    [Fact]
    public async Task SameClientIdPitfall_OldSocketCloseUnregistersNewOne()
    {
        await using var emulator = await ComfyEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        var old = await RawClient.ConnectAsync(emulator.BaseAddress, "same", featureFlags: false);
        await old.WaitForAsync(f => f.Type == "status");
        await using var fresh = await RawClient.ConnectAsync(emulator.BaseAddress, "same", featureFlags: false);
        await fresh.WaitForAsync(f => f.Type == "status");
        await old.DisposeAsync();

        // ComfyUI's cleanup of the old socket removed the registration that belonged to the new one.
        await using var other = await RawClient.ConnectAsync(emulator.BaseAddress, "other", featureFlags: false);
        await other.WaitForAsync(f => f.Type == "status");
        var id = await Fixture.SubmitAsync(http, Fixture.Workflow("text_preview_any"), "same");
        await other.WaitForAsync(f => f.Type == "status" && f.Data!["status"]!["exec_info"]!["queue_remaining"]!.GetValue<int>() == 0);
        Assert.Equal(1, emulator.GetExecutionCount(id));
        Assert.Equal(1, emulator.ConnectedClients);
        Assert.Empty(fresh.Seen.Skip(1));
    }
}
