using System.Net.Http;
using System.Reactive;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Sessions;
using Microsoft.Reactive.Testing;

namespace ComfyUI.Reactive.Tests.Sessions;

/// <summary>
/// The one liveness rule of a server, in virtual time: while the socket is down, one poller asks <c>GET /queue</c> at
/// once, 0.5 s later, then every 0.5 s while a refusal waits for its confirmation and every second otherwise; two
/// refusals in a row mean dead. Each case is a script of answers (one letter per poll) and the verdicts it must give.
/// </summary>
public sealed class ServerLivenessTests : IDisposable
{
    private readonly TestScheduler _scheduler = new();
    private readonly BehaviorSubject<ConnectionState> _connection = new(ConnectionState.Connected);
    private readonly List<long> _polls = [];
    private readonly Queue<char> _answers = new();
    private long _stamp;
    private ServerLiveness? _liveness;

    public void Dispose()
    {
        _liveness?.Dispose();
        _connection.Dispose();
    }

    private static long Ms(double ms) => TimeSpan.FromMilliseconds(ms).Ticks;

    // A = answered, R = refused, X = connection reset (proves nothing), 5 = a 503, T = timed out.
    private Task<QueueState> Poll(CancellationToken ct)
    {
        _polls.Add(_scheduler.Clock);
        return (_answers.Count > 0 ? _answers.Dequeue() : 'A') switch
        {
            'R' => Task.FromException<QueueState>(new ComfyConnectionException("refused", new HttpRequestException(
                "Connection refused", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused)))),
            'X' => Task.FromException<QueueState>(new ComfyConnectionException("reset", new HttpRequestException(HttpRequestError.ResponseEnded))),
            '5' => Task.FromException<QueueState>(new ComfyApiException("503 from GET /api/queue")),
            'T' => Task.FromException<QueueState>(new ComfyApiException("timed out")),
            _ => Task.FromResult(new QueueState()),
        };
    }

    private ITestableObserver<Liveness> Run(string answers, double untilMs, bool watched = true)
    {
        foreach (var a in answers)
        {
            _answers.Enqueue(a);
        }

        _liveness = new ServerLiveness(Poll, _connection, _scheduler, () => ++_stamp);
        var observer = _scheduler.CreateObserver<Liveness>();
        _liveness.Verdicts.Select(v => v.State).Subscribe(observer);
        if (watched)
        {
            _liveness.Watch(static () => true);
        }

        _scheduler.AdvanceTo(Ms(1000));
        _connection.OnNext(ConnectionState.Reconnecting);
        _scheduler.AdvanceTo(Ms(untilMs));
        return observer;
    }

    public static TheoryData<string, double[], double?> Cases => new()
    {
        // answers, poll times (ms after the drop at 1000), time of the dead verdict (null: never)
        { "RR", [0, 500], 500 },
        { "ARR", [0, 500, 1000], 1000 },
        { "XRR", [0, 500, 1000], 1000 },
        { "AAA", [0, 500, 1500], null },
        { "RARA", [0, 500, 1500, 2000], null },
        { "R5R", [0, 500, 1500], null },
        { "RTRR", [0, 500, 1500, 2000], 2000 },
        { "RXR", [0, 500, 1000], 1000 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void SocketDown_Answers_GiveTheVerdictAtTheCadence(string answers, double[] pollsAfterDrop, double? deadAfterDrop)
    {
        var observer = Run(answers, 1000 + pollsAfterDrop[^1]);

        Assert.Equal(pollsAfterDrop.Select(t => Ms(1000 + t)).ToArray(), _polls.ToArray());
        var expected = new List<Recorded<Notification<Liveness>>>
        {
            ReactiveTest.OnNext(0, Liveness.Unknown),
            ReactiveTest.OnNext(0, Liveness.Up),
            ReactiveTest.OnNext(Ms(1000), Liveness.Disconnected),
        };
        if (deadAfterDrop is { } dead)
        {
            expected.Add(ReactiveTest.OnNext(Ms(1000 + dead), Liveness.Dead));
        }

        Assert.Equal(expected, observer.Messages);
    }

    [Fact]
    public void SocketDown_NobodyWatches_NoPolls()
    {
        Run("RR", 10_000, watched: false);

        Assert.Empty(_polls);
    }

    [Fact]
    public void SocketUp_NeverPolls()
    {
        _liveness = new ServerLiveness(Poll, _connection, _scheduler, () => ++_stamp);
        _liveness.Watch(static () => true);

        _scheduler.AdvanceTo(Ms(60_000));

        Assert.Empty(_polls);
    }

    [Fact]
    public void Dead_HttpAnswersAgain_DisconnectedThenUpOnReconnect()
    {
        var observer = Run("RRA", 2000);
        _connection.OnNext(ConnectionState.Connected);
        _scheduler.AdvanceTo(Ms(10_000));

        Assert.Equal(
            [
                ReactiveTest.OnNext(0, Liveness.Unknown),
                ReactiveTest.OnNext(0, Liveness.Up),
                ReactiveTest.OnNext(Ms(1000), Liveness.Disconnected),
                ReactiveTest.OnNext(Ms(1500), Liveness.Dead),
                ReactiveTest.OnNext(Ms(2000), Liveness.Disconnected),
                ReactiveTest.OnNext(Ms(2000), Liveness.Up),
            ],
            observer.Messages);
        Assert.Equal(3, _polls.Count);
    }

    [Fact]
    public void AnotherRequestAnswered_BetweenTwoRefusals_ResetsTheCount()
    {
        var observer = Run("RR", 1000);
        _liveness!.Answered();
        _scheduler.AdvanceTo(Ms(1500));

        Assert.DoesNotContain(observer.Messages, m => m.Value.Value == Liveness.Dead);
    }

    [Fact]
    public void Closed_CompletesAndStopsPolling()
    {
        var observer = Run("AAAA", 1600);
        _connection.OnNext(ConnectionState.Closed);
        _scheduler.AdvanceTo(Ms(60_000));

        Assert.Equal(2, _polls.Count);
        Assert.Equal(Liveness.Closed, observer.Messages[^2].Value.Value);
        Assert.Equal(NotificationKind.OnCompleted, observer.Messages[^1].Value.Kind);
    }

    [Fact]
    public void Snapshot_CarriesTheStampTakenBeforeThePoll()
    {
        var snapshots = new List<QueueSnapshot>();
        _liveness = new ServerLiveness(Poll, _connection, _scheduler, () => ++_stamp);
        _liveness.Snapshots.Subscribe(snapshots.Add);
        _liveness.Watch(static () => true);
        _connection.OnNext(ConnectionState.Reconnecting);
        var acceptedAfterTheAsk = ++_stamp;

        Assert.Single(snapshots);
        Assert.True(snapshots[0].Stamp < acceptedAfterTheAsk);
    }
}
