using System.Net.Http;
using System.Reactive.Subjects;
using ComfyUI.Reactive.Pooling;
using Microsoft.Reactive.Testing;

namespace ComfyUI.Reactive.Tests.Pooling;

public sealed class HealthMonitorTests : IDisposable
{
    private readonly TestScheduler _scheduler = new();
    private readonly BehaviorSubject<ConnectionState> _connection = new(ConnectionState.Connecting);
    private readonly Queue<Func<CancellationToken, Task>> _script = new();
    private readonly List<(long Ticks, ServerHealth Health)> _seen = [];
    private readonly List<CancellationToken> _tokens = [];
    private HealthMonitor? _monitor;

    private int Calls => _tokens.Count;

    public void Dispose()
    {
        _monitor?.Dispose();
        _connection.Dispose();
    }

    // What ComfyApi throws when nothing listens on the server's port.
    private static Task Refused() => Task.FromException(new ComfyConnectionException(
        "Could not reach the ComfyUI server at http://gpu-1:8188/: Connection refused",
        new HttpRequestException("Connection refused", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused))));

    private static Task Overloaded() => Task.FromException(new ComfyApiException("503 from GET /api/prompt"));

    private void Script(params Func<CancellationToken, Task>[] probes)
    {
        foreach (var probe in probes)
        {
            _script.Enqueue(probe);
        }
    }

    private HealthMonitor Start(TimeSpan? interval = null, int threshold = 3, TimeSpan? timeout = null, bool useDefaultInterval = true)
    {
        var options = new HealthMonitorOptions
        {
            Interval = useDefaultInterval ? interval ?? TimeSpan.FromSeconds(10) : interval,
            FailureThreshold = threshold,
            ProbeTimeout = timeout ?? TimeSpan.FromSeconds(2),
        };
        _monitor = new HealthMonitor(
            ct =>
            {
                _tokens.Add(ct);
                return _script.Count > 0 ? _script.Dequeue()(ct) : Task.CompletedTask;
            },
            _connection,
            options,
            _scheduler);
        _monitor.Health.Subscribe(h => _seen.Add((_scheduler.Clock, h)));
        _monitor.Start();
        return _monitor;
    }

    private static long Seconds(double s) => TimeSpan.FromSeconds(s).Ticks;

    [Fact]
    public void Start_SocketConnectsProbeSucceeds_Healthy()
    {
        var monitor = Start();
        Assert.Equal(ServerHealth.Unknown, monitor.Current);

        _connection.OnNext(ConnectionState.Connected);

        Assert.Equal(ServerHealth.Healthy, monitor.Current);
        Assert.Equal(1, Calls);
    }

    [Fact]
    public void Probes_ThresholdConsecutiveFailures_UnhealthyThenOneSuccessHealthy()
    {
        _connection.OnNext(ConnectionState.Connected);
        Script(_ => Task.CompletedTask, _ => Refused(), _ => Refused(), _ => Refused(), _ => Task.CompletedTask);
        Start(TimeSpan.FromSeconds(10), threshold: 3);

        _scheduler.AdvanceTo(Seconds(20)); // probes at 0 (ok), 10 (fail), 20 (fail)
        Assert.Equal(ServerHealth.Healthy, _monitor!.Current);
        _scheduler.AdvanceTo(Seconds(30)); // third consecutive failure
        Assert.Equal(ServerHealth.Unhealthy, _monitor.Current);
        _scheduler.AdvanceTo(Seconds(40)); // one success

        Assert.Equal(
            [(0, ServerHealth.Unknown), (0, ServerHealth.Healthy), (Seconds(30), ServerHealth.Unhealthy), (Seconds(40), ServerHealth.Healthy)],
            _seen);
    }

    [Fact]
    public void Probes_FailuresNotConsecutive_StayHealthy()
    {
        _connection.OnNext(ConnectionState.Connected);
        Script(_ => Refused(), _ => Refused(), _ => Task.CompletedTask, _ => Refused(), _ => Refused());
        Start(TimeSpan.FromSeconds(10), threshold: 3);

        _scheduler.AdvanceTo(Seconds(100));

        Assert.Equal([(0, ServerHealth.Unknown), (0, ServerHealth.Healthy)], _seen);
    }

    [Fact]
    public void Probe_HangsPastTimeout_CountsAsFailureAndIsCancelled()
    {
        _connection.OnNext(ConnectionState.Connected);
        var hanging = new TaskCompletionSource();
        Script(ct => hanging.Task);
        Start(TimeSpan.FromSeconds(10), threshold: 1, timeout: TimeSpan.FromSeconds(3));

        _scheduler.AdvanceTo(Seconds(2.9));
        Assert.Equal(ServerHealth.Healthy, _monitor!.Current);
        _scheduler.AdvanceTo(Seconds(3));

        Assert.Equal(ServerHealth.Unhealthy, _monitor.Current);
        Assert.True(_tokens[0].IsCancellationRequested);
        hanging.SetResult(); // a late answer of a timed-out probe changes nothing
        Assert.Equal(ServerHealth.Unhealthy, _monitor.Current);
    }

    [Fact]
    public void Probes_SlowProbe_NeverOverlapAndNextStartsAnIntervalAfterTheEnd()
    {
        _connection.OnNext(ConnectionState.Connected);
        var slow = new TaskCompletionSource();
        Script(_ => slow.Task);
        Start(TimeSpan.FromSeconds(1), timeout: TimeSpan.FromSeconds(30));

        _scheduler.AdvanceTo(Seconds(10));
        Assert.Equal(1, Calls);
        slow.SetResult();
        _scheduler.AdvanceTo(Seconds(10.9));
        Assert.Equal(1, Calls);
        _scheduler.AdvanceTo(Seconds(11));
        Assert.Equal(2, Calls);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    public void Interval_NullOrZero_NoPeriodicProbes(int? seconds)
    {
        _connection.OnNext(ConnectionState.Connected);
        Start(seconds is null ? null : TimeSpan.FromSeconds(seconds.Value), useDefaultInterval: false);

        _scheduler.AdvanceTo(TimeSpan.FromHours(1).Ticks);

        Assert.Equal(1, Calls);
    }

    [Fact]
    public void SocketDrops_HttpRefused_DeadAtOnce()
    {
        _connection.OnNext(ConnectionState.Connected);
        Start(TimeSpan.FromMinutes(5));
        _scheduler.AdvanceTo(Seconds(7));
        Script(_ => Refused());

        _connection.OnNext(ConnectionState.Reconnecting);

        Assert.Equal(ServerHealth.Dead, _monitor!.Current);
        Assert.Equal((Seconds(7), ServerHealth.Dead), _seen[^1]);
        Assert.Equal(2, Calls);
    }

    [Theory]
    [InlineData("503")]
    [InlineData("timeout")]
    public void SocketDown_ProbeFailsWithoutARefusal_StaysDisconnectedNeverDead(string failure)
    {
        _connection.OnNext(ConnectionState.Connected);
        Start(TimeSpan.FromSeconds(5));
        _scheduler.AdvanceTo(Seconds(1));

        // A slow or overloaded server whose socket dropped still runs its prompts: declaring it dead would run them twice.
        Script(Enumerable.Repeat<Func<CancellationToken, Task>>(
            failure == "503" ? _ => Overloaded() : _ => new TaskCompletionSource().Task, 20).ToArray());
        _connection.OnNext(ConnectionState.Reconnecting);
        _scheduler.AdvanceTo(Seconds(30));

        Assert.Equal(ServerHealth.Disconnected, _monitor!.Current);
        Assert.DoesNotContain(_seen, s => s.Health == ServerHealth.Dead);
    }

    [Fact]
    public void SocketDrops_HttpAnswers_DisconnectedThenDeadWhenHttpFails()
    {
        _connection.OnNext(ConnectionState.Connected);
        Start(TimeSpan.FromSeconds(1));
        _scheduler.AdvanceTo(Seconds(5));

        _connection.OnNext(ConnectionState.Reconnecting); // probe at 5 s answers
        Assert.Equal(ServerHealth.Disconnected, _monitor!.Current);
        Script(_ => Refused());
        _scheduler.AdvanceTo(Seconds(6)); // next probe, an interval later, is refused

        Assert.Equal(
            [(0, ServerHealth.Unknown), (0, ServerHealth.Healthy), (Seconds(5), ServerHealth.Disconnected), (Seconds(6), ServerHealth.Dead)],
            _seen);
    }

    [Fact]
    public void SocketDown_ProbesAtTheDisconnectedCadence_SoDeathIsSeenWithinASecond()
    {
        _connection.OnNext(ConnectionState.Connected);
        Start(TimeSpan.FromMinutes(5));
        _scheduler.AdvanceTo(Seconds(5));

        _connection.OnNext(ConnectionState.Reconnecting); // HTTP still answers at 5 s
        Script(_ => Refused());
        _scheduler.AdvanceTo(Seconds(6));

        Assert.Equal((Seconds(6), ServerHealth.Dead), _seen[^1]);
    }

    [Fact]
    public void SocketBack_ReturnsToTheNormalCadence()
    {
        _connection.OnNext(ConnectionState.Connected);
        Start(TimeSpan.FromSeconds(30));
        _connection.OnNext(ConnectionState.Reconnecting); // probe 2 at 0 s
        _scheduler.AdvanceTo(Seconds(3));                // probes 3, 4, 5 at 1, 2, 3 s
        Assert.Equal(5, Calls);

        _connection.OnNext(ConnectionState.Connected);
        _scheduler.AdvanceTo(Seconds(32.9));
        Assert.Equal(5, Calls);
        _scheduler.AdvanceTo(Seconds(33));
        Assert.Equal(6, Calls);
    }

    [Fact]
    public void SocketDrops_WhileProbeInFlight_SupersedesIt()
    {
        _connection.OnNext(ConnectionState.Connected);
        var stale = new TaskCompletionSource();
        Script(_ => stale.Task, _ => Refused());
        Start(TimeSpan.FromSeconds(10), timeout: TimeSpan.FromSeconds(30));

        _connection.OnNext(ConnectionState.Reconnecting);
        stale.SetResult(); // the probe started before the drop must not clear the verdict

        Assert.True(_tokens[0].IsCancellationRequested);
        Assert.Equal(ServerHealth.Dead, _monitor!.Current);
    }

    [Fact]
    public void Dead_SocketReconnects_Healthy()
    {
        _connection.OnNext(ConnectionState.Connected);
        Start(null, useDefaultInterval: false);
        Script(_ => Refused());
        _connection.OnNext(ConnectionState.Reconnecting);
        Assert.Equal(ServerHealth.Dead, _monitor!.Current);

        _connection.OnNext(ConnectionState.Connected);

        Assert.Equal(ServerHealth.Healthy, _monitor.Current);
    }

    [Fact]
    public void NeverConnected_ProbeFails_DeadAtStartup()
    {
        Script(_ => Refused());
        Start();

        _connection.OnNext(ConnectionState.Reconnecting);

        Assert.Equal(ServerHealth.Dead, _monitor!.Current);
    }

    [Fact]
    public void ConnectionClosed_Dead_AndProbingStops()
    {
        _connection.OnNext(ConnectionState.Connected);
        Start(TimeSpan.FromSeconds(1));

        _connection.OnNext(ConnectionState.Closed);
        _scheduler.AdvanceTo(Seconds(60));

        Assert.Equal(ServerHealth.Dead, _monitor!.Current);
        Assert.Equal(1, Calls);
    }

    [Fact]
    public void Dispose_CompletesHealthAndStopsProbing()
    {
        _connection.OnNext(ConnectionState.Connected);
        var monitor = Start(TimeSpan.FromSeconds(1));
        var completed = false;
        monitor.Health.Subscribe(_ => { }, () => completed = true);

        monitor.Dispose();
        _scheduler.AdvanceTo(Seconds(60));

        Assert.True(completed);
        Assert.Equal(1, Calls);
    }

    [Fact]
    public void Options_Invalid_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HealthMonitor(
            _ => Task.CompletedTask, _connection, new HealthMonitorOptions { FailureThreshold = 0 }, _scheduler));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HealthMonitor(
            _ => Task.CompletedTask, _connection, new HealthMonitorOptions { ProbeTimeout = TimeSpan.Zero }, _scheduler));
    }
}
