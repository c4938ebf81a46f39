using System.Net.Http;
using System.Reactive.Subjects;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Pooling;
using ComfyUI.Reactive.Sessions;
using Microsoft.Reactive.Testing;

namespace ComfyUI.Reactive.Tests.Pooling;

/// <summary>
/// The pool's view of one server: the session's liveness verdict (one poller while the socket is down, shared with the
/// jobs) plus periodic probes while the socket is up. Probes and polls draw from one script of server answers.
/// </summary>
public sealed class HealthMonitorTests : IDisposable
{
    private readonly TestScheduler _scheduler = new();
    private readonly BehaviorSubject<ConnectionState> _connection = new(ConnectionState.Connecting);
    private readonly Queue<Func<CancellationToken, Task>> _script = new();
    private readonly List<(long Ticks, ServerHealth Health)> _seen = [];
    private readonly List<CancellationToken> _tokens = [];
    private readonly List<long> _polls = [];
    private ServerLiveness? _liveness;
    private HealthMonitor? _monitor;
    private long _stamp;

    /// <summary>The monitor's own probes (only while the socket is up).</summary>
    private int Calls => _tokens.Count;

    public void Dispose()
    {
        _monitor?.Dispose();
        _liveness?.Dispose();
        _connection.Dispose();
    }

    // What ComfyApi throws when nothing listens on the server's port.
    private static Task Refused() => Task.FromException(new ComfyConnectionException(
        "Could not reach the ComfyUI server at http://gpu-1:8188/: Connection refused",
        new HttpRequestException("Connection refused", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused))));

    private static Task Overloaded() => Task.FromException(new ComfyApiException("503 from GET /api/prompt"));

    private void Script(params Func<CancellationToken, Task>[] answers)
    {
        foreach (var answer in answers)
        {
            _script.Enqueue(answer);
        }
    }

    private Task Next(CancellationToken ct) => _script.Count > 0 ? _script.Dequeue()(ct) : Task.CompletedTask;

    private async Task<QueueState> Poll(CancellationToken ct)
    {
        _polls.Add(_scheduler.Clock);
        await Next(ct);
        return new QueueState();
    }

    private HealthMonitor Start(TimeSpan? interval = null, int threshold = 3, TimeSpan? timeout = null, bool useDefaultInterval = true)
    {
        var options = new HealthMonitorOptions
        {
            Interval = useDefaultInterval ? interval ?? TimeSpan.FromSeconds(10) : interval,
            FailureThreshold = threshold,
            ProbeTimeout = timeout ?? TimeSpan.FromSeconds(2),
        };
        _liveness = new ServerLiveness(Poll, _connection, _scheduler, () => ++_stamp);
        _monitor = new HealthMonitor(
            ct =>
            {
                _tokens.Add(ct);
                return Next(ct);
            },
            _liveness.Watched(),
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
    public void SocketDrops_HttpRefusedTwiceInARow_DeadHalfASecondLater()
    {
        _connection.OnNext(ConnectionState.Connected);
        Start(TimeSpan.FromMinutes(5));
        _scheduler.AdvanceTo(Seconds(7));
        Script(_ => Refused(), _ => Refused());

        _connection.OnNext(ConnectionState.Reconnecting);
        Assert.Equal(ServerHealth.Disconnected, _monitor!.Current);
        _scheduler.AdvanceTo(Seconds(7.5));

        Assert.Equal([Seconds(7), Seconds(7.5)], _polls);
        Assert.Equal(
            [(0, ServerHealth.Unknown), (0, ServerHealth.Healthy), (Seconds(7), ServerHealth.Disconnected), (Seconds(7.5), ServerHealth.Dead)],
            _seen);
        Assert.Equal(1, Calls); // the monitor's own probe at connect; the socket-down questions are the session's
    }

    [Theory]
    [InlineData("503")]
    [InlineData("timeout")]
    public void SocketDown_HttpFailsWithoutARefusal_StaysDisconnectedNeverDead(string failure)
    {
        _connection.OnNext(ConnectionState.Connected);
        Start(TimeSpan.FromSeconds(5));
        _scheduler.AdvanceTo(Seconds(1));

        // A slow or overloaded server whose socket dropped still runs its prompts: declaring it dead would run them twice.
        Script(Enumerable.Repeat<Func<CancellationToken, Task>>(
            failure == "503" ? _ => Overloaded() : _ => new TaskCompletionSource().Task, 40).ToArray());
        _connection.OnNext(ConnectionState.Reconnecting);
        _scheduler.AdvanceTo(Seconds(30));

        Assert.Equal(ServerHealth.Disconnected, _monitor!.Current);
        Assert.DoesNotContain(_seen, s => s.Health == ServerHealth.Dead);
    }

    [Fact]
    public void SocketDrops_HttpAnswers_DisconnectedThenDeadWhenHttpIsRefused()
    {
        _connection.OnNext(ConnectionState.Connected);
        Start(TimeSpan.FromSeconds(1));
        _scheduler.AdvanceTo(Seconds(5));

        _connection.OnNext(ConnectionState.Reconnecting); // the poll at 5 s answers
        Assert.Equal(ServerHealth.Disconnected, _monitor!.Current);
        Script(_ => Refused(), _ => Refused());
        _scheduler.AdvanceTo(Seconds(6)); // polls at 5.5 s and 6 s are refused

        Assert.Equal([Seconds(5), Seconds(5.5), Seconds(6)], _polls);
        Assert.Equal((Seconds(6), ServerHealth.Dead), _seen[^1]);
    }

    [Fact]
    public void SocketBack_ProbesAgainAtTheNormalCadenceAndPollsStop()
    {
        _connection.OnNext(ConnectionState.Connected);
        Start(TimeSpan.FromSeconds(30));
        _connection.OnNext(ConnectionState.Reconnecting); // polls at 0, 0.5, 1.5, 2.5 s
        _scheduler.AdvanceTo(Seconds(3));
        Assert.Equal([0, Seconds(0.5), Seconds(1.5), Seconds(2.5)], _polls);
        Assert.Equal(1, Calls);

        _connection.OnNext(ConnectionState.Connected); // a probe at once, then every 30 s
        Assert.Equal(2, Calls);
        _scheduler.AdvanceTo(Seconds(32.9));
        Assert.Equal(2, Calls);
        _scheduler.AdvanceTo(Seconds(33));
        Assert.Equal(3, Calls);
        Assert.Equal(4, _polls.Count);
    }

    [Fact]
    public void SocketDrops_WhileProbeInFlight_CancelsItAndItsLateAnswerChangesNothing()
    {
        _connection.OnNext(ConnectionState.Connected);
        var stale = new TaskCompletionSource();
        Script(_ => stale.Task, _ => Refused(), _ => Refused());
        Start(TimeSpan.FromSeconds(10), timeout: TimeSpan.FromSeconds(30));

        _connection.OnNext(ConnectionState.Reconnecting);
        _scheduler.AdvanceTo(Seconds(0.5));
        stale.SetResult(); // the probe started before the drop must not clear the verdict

        Assert.True(_tokens[0].IsCancellationRequested);
        Assert.Equal(ServerHealth.Dead, _monitor!.Current);
    }

    [Fact]
    public void Dead_SocketReconnects_Healthy()
    {
        _connection.OnNext(ConnectionState.Connected);
        Start(null, useDefaultInterval: false);
        Script(_ => Refused(), _ => Refused());
        _connection.OnNext(ConnectionState.Reconnecting);
        _scheduler.AdvanceTo(Seconds(0.5));
        Assert.Equal(ServerHealth.Dead, _monitor!.Current);

        _connection.OnNext(ConnectionState.Connected);

        Assert.Equal(ServerHealth.Healthy, _monitor.Current);
    }

    [Fact]
    public void NeverConnected_HttpRefusedTwice_DeadAtStartup()
    {
        Script(_ => Refused(), _ => Refused());
        Start();

        _connection.OnNext(ConnectionState.Reconnecting);
        _scheduler.AdvanceTo(Seconds(0.5));

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
        var liveness = new BehaviorSubject<LivenessVerdict>(LivenessVerdict.Unknown);
        Assert.Throws<ArgumentOutOfRangeException>(() => new HealthMonitor(
            _ => Task.CompletedTask, liveness, new HealthMonitorOptions { FailureThreshold = 0 }, _scheduler));
        Assert.Throws<ArgumentOutOfRangeException>(() => new HealthMonitor(
            _ => Task.CompletedTask, liveness, new HealthMonitorOptions { ProbeTimeout = TimeSpan.Zero }, _scheduler));
    }
}
