using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ComfyUI.Reactive.Pooling;

namespace ComfyUI.Reactive.WebApp.Tests;

/// <summary>The render API over a real Kestrel socket, on two embedded emulators.</summary>
public sealed class RenderApiTests : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Post_ValidPrompt_Answers202WithIdAndLocation()
    {
        using var response = await _app.Http.PostAsJsonAsync("/render", new { prompt = "a lighthouse", seed = 7, width = 256, height = 256 });

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        Assert.False(string.IsNullOrEmpty(id));
        Assert.Equal($"/render/{id}", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Events_NewJob_StreamsNamedUpdatesInOrderAndEndsWithCompleted()
    {
        var id = await EnqueueAsync("a red fox");

        var events = await Sse.ReadToEndAsync(_app.Http, $"/render/{id}/events");

        var names = events.Select(e => e.Name).ToList();
        Assert.True(names is ["queued", "started", ..], string.Join(", ", names));
        Assert.Equal("completed", names[^1]);
        Assert.Contains("progress", names);
        Assert.Contains("preview", names);
        Assert.True(names.IndexOf("preview") > names.IndexOf("started"), string.Join(", ", names));
        Assert.All(events, e => Assert.Equal(id, e.Data.GetProperty("id").GetString()));
        var fractions = events.Where(e => e.Name == "progress").Select(e => e.Data.GetProperty("fraction").GetDouble()).ToList();
        Assert.Equal(fractions.Order(), fractions);
        Assert.Equal(1.0, fractions[^1]);
        Assert.StartsWith("data:image/", events.First(e => e.Name == "preview").Data.GetProperty("image").GetString(), StringComparison.Ordinal);
        Assert.Equal($"/render/{id}/image", events[^1].Data.GetProperty("image").GetString());
        Assert.Contains(events.Single(e => e.Name == "started").Data.GetProperty("server").GetString(), new[] { "gpu-1", "gpu-2" });
    }

    [Fact]
    public async Task Events_LateSubscriberToFinishedJob_GetsTheLatestStateThenCompleted()
    {
        var id = await EnqueueAsync("late");
        await Sse.ReadToEndAsync(_app.Http, $"/render/{id}/events");

        var replay = await Sse.ReadToEndAsync(_app.Http, $"/render/{id}/events");

        var names = replay.Select(e => e.Name).ToList();
        Assert.True(names is ["queued", "started", .., "completed"], string.Join(", ", names));
        Assert.Equal(1.0, replay.Last(e => e.Name == "progress").Data.GetProperty("fraction").GetDouble());
    }

    [Fact]
    public async Task Image_CompletedJob_IsThePng_AndBeforeCompletionIs409()
    {
        var id = await EnqueueAsync("a picture", width: 320, height: 192);

        using (var early = await _app.Http.GetAsync($"/render/{id}/image"))
        {
            Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
            Assert.Equal("application/problem+json", early.Content.Headers.ContentType?.MediaType);
        }

        await Sse.ReadToEndAsync(_app.Http, $"/render/{id}/events");
        using var image = await _app.Http.GetAsync($"/render/{id}/image");

        Assert.Equal(HttpStatusCode.OK, image.StatusCode);
        Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
        var bytes = await image.Content.ReadAsByteArrayAsync();
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        Assert.Equal(320, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));   // IHDR width
        Assert.Equal(192, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));   // IHDR height
    }

    [Fact]
    public async Task Delete_RunningJob_CancelsIt_EventsEndWithCancelled()
    {
        var id = await EnqueueAsync("cancel me");
        using var limit = new CancellationTokenSource(TestApp.Limit);
        var events = new List<SseEvent>();

        await foreach (var e in Sse.ReadAsync(_app.Http, $"/render/{id}/events", limit.Token))
        {
            events.Add(e);
            if (e.Name == "progress" && events.Count(x => x.Name == "progress") == 1)
            {
                using var delete = await _app.Http.DeleteAsync($"/render/{id}");
                Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
            }
        }

        var names = events.Select(e => e.Name).ToList();
        Assert.Equal("cancelled", names[^1]);
        Assert.DoesNotContain("completed", names);
        var status = await _app.Http.GetFromJsonAsync<JsonElement>($"/render/{id}");
        Assert.Equal("cancelled", status.GetProperty("status").GetString());
        using var again = await _app.Http.DeleteAsync($"/render/{id}");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        using var image = await _app.Http.GetAsync($"/render/{id}/image");
        Assert.Equal(HttpStatusCode.Conflict, image.StatusCode);
    }

    [Theory]
    [InlineData("GET", "/render/no-such-job")]
    [InlineData("GET", "/render/no-such-job/events")]
    [InlineData("GET", "/render/no-such-job/image")]
    [InlineData("DELETE", "/render/no-such-job")]
    public async Task UnknownId_Answers404ProblemJson(string method, string path)
    {
        using var response = await _app.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.Contains("no-such-job", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json", "application/json", null)]
    [InlineData("[1, 2]", "application/json", null)]
    [InlineData("{}", "application/json", "prompt")]
    [InlineData("{\"prompt\": \"  \"}", "application/json", "prompt")]
    [InlineData("{\"prompt\": \"x\", \"width\": 100}", "application/json", "width")]
    [InlineData("{\"prompt\": \"x\", \"seed\": -1}", "application/json", "seed")]
    [InlineData("{\"prompt\": \"x\"}", "text/plain", null)]
    public async Task Post_BadBody_Answers400ProblemJson(string body, string contentType, string? field)
    {
        using var response = await _app.Http.PostAsync("/render", new StringContent(body, Encoding.UTF8, contentType));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (field is not null)
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
        }
    }

    [Fact]
    public async Task Health_AllServersUp_IsHealthyWithEachServer_ThenDegradedWhenOneStops()
    {
        using (var healthy = await _app.Http.GetAsync("/health"))
        {
            Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
            var body = await healthy.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("Healthy", body.GetProperty("status").GetString());
            var data = body.GetProperty("checks")[0].GetProperty("data");
            Assert.StartsWith("Ready", data.GetProperty("gpu-1").GetString(), StringComparison.Ordinal);
            Assert.StartsWith("Ready", data.GetProperty("gpu-2").GetString(), StringComparison.Ordinal);
        }

        await _app.Host.Emulators[1].StopAsync();
        await _app.WhenServersAsync(ServerState.Unhealthy, 1);

        using var degraded = await _app.Http.GetAsync("/health");
        var after = await degraded.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Degraded", after.GetProperty("status").GetString());
        var gpu2 = after.GetProperty("checks")[0].GetProperty("data").GetProperty("gpu-2").GetString()!;
        Assert.False(gpu2.StartsWith("Ready", StringComparison.Ordinal) || gpu2.StartsWith("Busy", StringComparison.Ordinal), gpu2);   // out of rotation
    }

    [Fact]
    public async Task NoModelGraph_RunsOnTheEmulator_WithProgressAndAPng()
    {
        await using var app = await TestApp.StartAsync(checkpoint: "");
        using var post = await app.Http.PostAsJsonAsync("/render", new { prompt = "no model needed", width = 128, height = 128 });
        var id = (await post.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var events = await Sse.ReadToEndAsync(app.Http, $"/render/{id}/events");

        Assert.Equal("completed", events[^1].Name);
        Assert.Contains(events, e => e.Name == "progress" && e.Data.GetProperty("fraction").GetDouble() is > 0 and < 1);
        using var image = await app.Http.GetAsync($"/render/{id}/image");
        Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
    }

    private async Task<string> EnqueueAsync(string prompt, int width = 256, int height = 256)
    {
        using var response = await _app.Http.PostAsJsonAsync("/render", new { prompt, width, height });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
}
