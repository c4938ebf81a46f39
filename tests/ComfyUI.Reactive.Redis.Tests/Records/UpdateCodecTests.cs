using System.Text.Json;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Redis.Records;

namespace ComfyUI.Reactive.Redis.Tests.Records;

/// <summary>The stored form of job updates: what goes in comes back out (previews excepted).</summary>
public sealed class UpdateCodecTests : IAsyncLifetime
{
    private readonly ComfyClient _client = new(new Uri("http://127.0.0.1:1"));

    public Task InitializeAsync() => Task.CompletedTask;

    // IAsyncLifetime, not IAsyncDisposable: xunit 2 never calls a test class's DisposeAsync (emulators and pools leaked).
    public Task DisposeAsync() => _client.DisposeAsync().AsTask();

    private JobUpdate RoundTrip(JobUpdate update)
    {
        var stored = UpdateCodec.Encode(update)!;
        var json = JsonSerializer.Serialize(stored, ComfyUI.Reactive.Redis.Queue.RedisJsonContext.Default.StoredUpdate);
        var back = JsonSerializer.Deserialize(json, ComfyUI.Reactive.Redis.Queue.RedisJsonContext.Default.StoredUpdate)!;
        return UpdateCodec.Decode(back, name => name == "gpu-1" ? _client.Api : null)!;
    }

    [Fact]
    public void Encode_Previews_NotStored() =>
        Assert.Null(UpdateCodec.Encode(new JobPreview("p", "3", new byte[] { 1, 2 }, "image/png")));

    [Fact]
    public void RoundTrip_ProgressAndAttemptFailure_SameValues()
    {
        var server = new ServerId("gpu-1");
        var progress = (JobProgress)RoundTrip(new JobProgress("p", "3", 5, 20, 0.25) { Server = server, EstimatedRemaining = TimeSpan.FromSeconds(3) });
        var failed = (JobAttemptFailed)RoundTrip(new JobAttemptFailed("p", 2, new ComfyTimeoutException("start", TimeSpan.FromSeconds(1), "late"), true) { Server = server });

        Assert.Equal(new JobProgress("p", "3", 5, 20, 0.25) { Server = server, EstimatedRemaining = TimeSpan.FromSeconds(3) }, progress);
        Assert.Equal((2, true, "late"), (failed.Attempt, failed.WillRetry, failed.Reason.Message));
        Assert.Equal(typeof(ComfyTimeoutException).FullName, Assert.IsType<ComfyRemoteJobException>(failed.Reason).ErrorType);
    }

    [Fact]
    public void RoundTrip_Completed_OutputsAliasesTimingsAndPool()
    {
        var output = NodeOutput.FromJson(JsonDocument.Parse("""{"images":[{"filename":"a.png","subfolder":"","type":"output"}]}""").RootElement);
        var submitted = DateTimeOffset.UnixEpoch.AddDays(1);
        var result = JobResult.Restore(
            "p", [JobOutput.Restore(_client.Api, "9", "SaveImage", output)], new Dictionary<string, string> { ["image"] = "9" },
            submitted, submitted.AddSeconds(1), submitted.AddSeconds(3), pool: new PoolTimings(new ServerId("gpu-1"), 2, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)));

        var back = ((JobCompleted)RoundTrip(new JobCompleted("p", result) { Server = new ServerId("gpu-1") })).Result;

        Assert.Equal("a.png", Assert.Single(back["image"].Images).FileName);
        Assert.Equal("SaveImage", back.Outputs["9"].ClassType);
        Assert.Equal(TimeSpan.FromSeconds(2), back.Timings.Execution);
        Assert.Equal(new PoolTimings(new ServerId("gpu-1"), 2, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)), back.Pool);
    }

    [Fact]
    public void Error_Cancelled_IsOperationCanceled() =>
        Assert.IsType<OperationCanceledException>(UpdateCodec.Error(UpdateCodec.Failure(new OperationCanceledException("x"), null, null)));
}
