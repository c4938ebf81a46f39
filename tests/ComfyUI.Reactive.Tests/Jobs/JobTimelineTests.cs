using System.Globalization;
using System.Reactive;
using System.Reactive.Linq;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Tests.Transport;
using Microsoft.Reactive.Testing;

namespace ComfyUI.Reactive.Tests.Jobs;

/// <summary>
/// Whole-job timelines in virtual time, as recorded notifications: what the subscriber sees, and at which virtual tick.
/// </summary>
public sealed class JobTimelineTests : IAsyncLifetime
{
    private readonly JobTestServer _server = new();

    public Task InitializeAsync() => Task.CompletedTask;

    // IAsyncLifetime, not IAsyncDisposable: xunit 2 never calls a test class's DisposeAsync (emulators and pools leaked).
    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    private static long Ms(double ms) => TimeSpan.FromMilliseconds(ms).Ticks;

    [Fact]
    public async Task Run_StartedThenServerKilled_QueuedStartedThenLostHalfASecondAfterTheSocketClosed()
    {
        var client = _server.Client();
        var observer = _server.Scheduler.CreateObserver<string>();
        string? id = null;
        _server.OnPrompt = p => id = p;
        using var job = client.Run(JobTestServer.Basic, JobTestServer.NoValidation(new JobOptions { TrackQueuePosition = false }))
            .Select(u => u.GetType().Name)
            .Subscribe(observer);
        await Recorder.UntilAsync(() => observer.Messages.Count == 1, "JobQueued");

        _server.Scheduler.AdvanceTo(Ms(1000));
        _server.Start(id!);
        _server.Scheduler.AdvanceTo(Ms(2000));
        _server.Connector.OnConnect = _ => FakeWebSocketConnector.Refuse();
        _server.Unreachable = JobTestServer.Refused;
        _server.Connector.Last!.ServerClose();
        for (var t = 2100; t <= 3000; t += 100)
        {
            _server.Scheduler.AdvanceTo(Ms(t));
            await client.GetJobTracker().WhenReconciledAsync().WaitAsync(JobTestServer.Wait);
        }

        Assert.Equal(
            [
                ReactiveTest.OnNext(0, nameof(JobQueued)),
                ReactiveTest.OnNext(Ms(1000), nameof(JobStarted)),
                ReactiveTest.OnError<string>(Ms(2500), e => e is ComfyJobLostException),
            ],
            observer.Messages);
    }

    [Fact]
    public async Task Run_CompletesOnTheSocket_EveryUpdateAtTheTickItsFrameArrived()
    {
        var client = _server.Client();
        var observer = _server.Scheduler.CreateObserver<string>();
        string? id = null;
        _server.OnPrompt = p => id = p;
        using var job = client.Run(JobTestServer.Basic.Output("saved", "3"), JobTestServer.NoValidation(new JobOptions { TrackQueuePosition = false }))
            .Select(u => u is JobProgress p ? "Progress " + p.Fraction.ToString("0.###", CultureInfo.InvariantCulture) : u.GetType().Name)
            .Subscribe(observer);
        await Recorder.UntilAsync(() => observer.Messages.Count == 1, "JobQueued");

        _server.Scheduler.AdvanceTo(Ms(100));
        _server.Start(id!);
        _server.Executing(id!, "2");
        _server.Scheduler.AdvanceTo(Ms(400));
        _server.Executing(id!, "3");
        _server.Executed(id!, "3", JobTestServer.ImageOutput("a.png"));
        _server.Scheduler.AdvanceTo(Ms(500));
        _server.Finish(id!);
        await Recorder.UntilAsync(() => observer.Messages.Count == 10, "the completion");

        Assert.Equal(
            [
                ReactiveTest.OnNext(0, nameof(JobQueued)),
                ReactiveTest.OnNext(Ms(100), nameof(JobStarted)),
                ReactiveTest.OnNext(Ms(100), nameof(JobNodeStarted)),
                ReactiveTest.OnNext(Ms(400), nameof(JobNodeStarted)),
                ReactiveTest.OnNext(Ms(400), "Progress 0.333"),
                ReactiveTest.OnNext(Ms(400), nameof(JobNodeOutput)),
                ReactiveTest.OnNext(Ms(400), "Progress 0.667"),
                ReactiveTest.OnNext(Ms(500), "Progress 1"),
                ReactiveTest.OnNext(Ms(500), nameof(JobCompleted)),
                ReactiveTest.OnCompleted<string>(Ms(500)),
            ],
            observer.Messages);
    }
}
