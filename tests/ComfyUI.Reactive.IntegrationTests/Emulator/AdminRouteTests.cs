using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Emulator;

namespace ComfyUI.Reactive.IntegrationTests.Emulator;

/// <summary>
/// The fault knobs driven over HTTP only, as a Python or TypeScript test suite would: after start-up this test never
/// touches <see cref="ComfyEmulator"/>'s .NET API, only <c>/emulator/…</c> and the ComfyUI routes.
/// </summary>
public sealed class AdminRouteTests
{
    [Fact]
    public async Task AdminRoutes_Default_AreAbsentLikeOnARealServer()
    {
        await using var emulator = await ComfyEmulator.StartAsync();
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/emulator/state")).StatusCode);
        Assert.Equal(405, (await Fixture.PostJsonAsync(http, "/emulator/reset", "{}")).Status);
    }

    [Fact]
    public async Task AdminRoutes_Enabled_DriveEveryKnobOverHttp()
    {
        await using var emulator = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { AdminRoutes = true, SamplerStepTime = TimeSpan.Zero });
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        async Task Knob(string name, string body = "{}")
        {
            var (status, answer) = await Fixture.PostJsonAsync(http, "/emulator/" + name, body);
            Assert.True(status is 200 or 202, $"{name}: {status} {answer}");
        }

        var workflow = Fixture.Workflow("basic_empty_invert_save");
        await using var client = await RawClient.ConnectAsync(emulator.BaseAddress, "admin", featureFlags: false);
        await client.WaitForAsync(f => f.Type == "status");

        // Routes fail (the admin route itself never does).
        await Knob("fail-route", """{"path": "/prompt", "status": 503, "count": 1}""");
        Assert.Equal(503, (await Fixture.PostJsonAsync(http, "/prompt", new JsonObject { ["prompt"] = workflow.DeepClone() }.ToJsonString())).Status);
        await Knob("fail-route", """{"path": "/queue", "status": 500}""");
        Assert.Equal(HttpStatusCode.InternalServerError, (await http.GetAsync("/queue")).StatusCode);
        await Knob("clear-route-failures");

        // Nodes hang and fail; the queue pauses.
        await Knob("hang-node", """{"class_type": "ImageInvert"}""");
        var hung = await Fixture.SubmitAsync(http, workflow, "admin");
        await client.WaitForAsync(f => f.Label == "executing(2)");
        Assert.Equal(1, (await Fixture.GetJsonAsync(http, "/emulator/executions/" + hung))["count"]!.GetValue<int>());
        await Knob("release-hung-nodes");
        await client.WaitForDoneAsync(hung);
        await Knob("fail-node", """{"class_type": "ImageInvert", "message": "boom"}""");
        workflow["1"]!["inputs"]!["color"] = 1;
        var failing = await Fixture.SubmitAsync(http, workflow, "admin");
        Assert.Equal("boom\n", (await client.WaitForAsync(f => f.Type == "execution_error")).Data!["exception_message"]!.GetValue<string>());
        await client.WaitForDoneAsync(failing);
        await Knob("pause-queue");
        workflow["1"]!["inputs"]!["color"] = 2;
        var paused = await Fixture.SubmitAsync(http, workflow, "admin");
        var state = await Fixture.GetJsonAsync(http, "/emulator/state");
        Assert.True(state["queue_paused"]!.GetValue<bool>());
        Assert.Equal(1, state["queue_remaining"]!.GetValue<int>());
        await Knob("resume-queue");
        await client.WaitForDoneAsync(paused);

        // Latency, malformed frames, refused and dropped sockets.
        await Knob("slow-responses", """{"delay_ms": 300}""");
        var clock = Stopwatch.StartNew();
        await http.GetStringAsync("/prompt");
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(290), clock.Elapsed.ToString());
        await Knob("slow-responses", """{"delay_ms": 0}""");
        await Knob("malformed-frame", """{"client_id": "admin", "text": "not json"}""");
        Assert.Equal("not json", (await client.NextAsync()).Text);
        await Knob("refuse-websockets");
        await Assert.ThrowsAsync<WebSocketException>(() => RawClient.ConnectAsync(emulator.BaseAddress, "refused", featureFlags: false));
        await Knob("accept-websockets");
        await Knob("drop-sockets");
        await client.WaitForDisconnectAsync();

        // Reset clears every knob at once.
        await Knob("fail-node", """{"class_type": "ImageInvert"}""");
        await Knob("reset");
        // A new client id: the dropped socket's late cleanup removes whatever is registered under its id, a newer socket
        // included, as ComfyUI does (PROTOCOL.md §3.1), which made reusing "admin" here fail about one run in five.
        await using var again = await RawClient.ConnectAsync(emulator.BaseAddress, "admin-again", featureFlags: false);
        workflow["1"]!["inputs"]!["color"] = 3;
        await again.WaitForDoneAsync(await Fixture.SubmitAsync(http, workflow, "admin-again"));
        Assert.DoesNotContain(again.Seen, f => f.Text is not null && f.Type == "execution_error");

        // Bad requests say why.
        var (badStatus, badBody) = await Fixture.PostJsonAsync(http, "/emulator/hang-node", "{}");
        Assert.Equal(400, badStatus);
        Assert.Contains("class_type", badBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminRestart_OverHttp_DropsEverythingThenServesTheSamePortAgain()
    {
        await using var emulator = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { AdminRoutes = true, SamplerStepTime = TimeSpan.Zero });
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        await using var client = await RawClient.ConnectAsync(emulator.BaseAddress, "restart", featureFlags: false);
        await client.WaitForDoneAsync(await Fixture.SubmitAsync(http, Fixture.Workflow("text_preview_any"), "restart"));
        var before = (await Fixture.GetJsonAsync(http, "/emulator/state"))["instance"]!.GetValue<string>();

        Assert.Equal(202, (await Fixture.PostJsonAsync(http, "/emulator/restart", """{"down_ms": 200}""")).Status);
        await client.WaitForDisconnectAsync();

        // Driven over HTTP only; the in-process emulator just tells the test when its restart is done, instead of the
        // test polling a port that refuses connections meanwhile.
        await emulator.PendingRestart.WaitAsync(RawClient.Timeout);
        var state = await Fixture.GetJsonAsync(http, "/emulator/state");
        Assert.NotEqual(before, state["instance"]!.GetValue<string>());

        Assert.Equal("{}", await http.GetStringAsync("/history"));   // a restarted server forgets its history
        Assert.Equal(0, state["executions"]!.GetValue<long>());
    }
}
