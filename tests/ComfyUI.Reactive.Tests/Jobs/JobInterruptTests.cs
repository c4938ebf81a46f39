using ComfyUI.Reactive.Jobs;

namespace ComfyUI.Reactive.Tests.Jobs;

/// <summary>
/// Cancelling a running job interrupts it by prompt id, which ComfyUI honours only since 0.3.56: an older server would
/// stop whatever runs, so there the prompt is left to finish rather than risk somebody else's.
/// </summary>
public sealed class JobInterruptTests : IAsyncLifetime
{
    private readonly JobTestServer _server = new();

    public Task InitializeAsync() => Task.CompletedTask;

    // IAsyncLifetime, not IAsyncDisposable: xunit 2 never calls a test class's DisposeAsync (emulators and pools leaked).
    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Theory]
    [InlineData("0.3.56", true)]
    [InlineData("0.3.64", true)]
    [InlineData("0.26.0", true)]
    [InlineData("1.0.0", true)]
    [InlineData("v0.4.1-dev", true)]
    [InlineData("0.3.55", false)]
    [InlineData("0.3.10", false)]
    [InlineData("", false)]
    [InlineData("unknown", false)]
    [InlineData(null, false)]
    public void HonoursTargetedInterrupt_Version_MatchesComfyUI0356(string? version, bool expected)
    {
        Assert.Equal(expected, ComfyUI.Reactive.Sessions.ServerFacts.HonoursTargetedInterrupt(version));
    }

    [Theory]
    [InlineData("0.3.64", 1)]
    [InlineData("0.3.40", 0)]
    public async Task Dispose_WhileRunning_InterruptsByIdOnlyWhereTheServerHonoursIt(string version, int expectedInterrupts)
    {
        _server.ComfyUIVersion = version;
        var client = _server.Client();
        var rec = Recorder.Start(client.Run(JobTestServer.Basic, JobTestServer.NoValidation()));
        var id = (await rec.WaitFor<JobQueued>()).PromptId;
        _server.Queue = () => ([id], []);
        _server.Start(id);
        _server.Executing(id, "2");

        rec.Subscription.Dispose();
        await client.GetJobTracker().WhenCancellationsSentAsync().WaitAsync(JobTestServer.Wait);

        var interrupts = _server.Requests("POST", "/interrupt");
        Assert.Equal(expectedInterrupts, interrupts.Count);
        Assert.All(interrupts, i => Assert.Contains(id, i.BodyText, StringComparison.Ordinal));
    }
}
