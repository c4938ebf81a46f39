using System.Net;
using System.Reactive.Concurrency;
using System.Reactive;
using System.Reactive.Linq;
using ComfyUI.Reactive.Events;
using ComfyUI.Reactive.Workflows;
using Microsoft.Reactive.Testing;

namespace ComfyUI.Reactive.Tests.Client;

/// <summary><see cref="ComfyException.IsTransient"/> and the RetryWhen recipe of docs/jobs.md that relies on it.</summary>
public sealed class TransientFailureTests
{
    private static ComfyApiException Status(HttpStatusCode status) => new("x", status, "POST", null, null);

    public static TheoryData<Exception, bool> Failures() => new()
    {
        { new ComfyConnectionException("unreachable"), true },
        { new ComfyJobLostException("p", "lost"), true },
        { new ComfyTimeoutException("start", TimeSpan.FromSeconds(1), "late"), true },
        { Status(HttpStatusCode.ServiceUnavailable), true },
        { Status(HttpStatusCode.InternalServerError), true },
        { Status(HttpStatusCode.BadGateway), true },
        { Status(HttpStatusCode.RequestTimeout), true },
        { Status(HttpStatusCode.TooManyRequests), true },
        { Status(HttpStatusCode.NotFound), false },
        { Status(HttpStatusCode.BadRequest), false },
        { Status(HttpStatusCode.OK), false },
        { new ComfyApiException("no status"), false },
        { new ComfyAuthenticationException("refused", HttpStatusCode.Unauthorized, "GET", null, null), false },
        { new ComfyPromptValidationException("invalid"), false },
        { new ComfyExecutionException("p", "3", "KSampler", "torch.OutOfMemoryError", "oom", []), false },
        { new ComfyInterruptedException("p", "3", "KSampler"), false },
        { new ComfyWorkflowException("no node"), false },
        { new ComfyProtocolException("bad frame"), false },
        { new ComfyException("other"), false },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void IsTransient_EachKind_OnlyWhatCanHealByItself(Exception failure, bool transient)
    {
        Assert.Equal(transient, ((ComfyException)failure).IsTransient);
    }

    [Fact]
    public void RetryWhenRecipe_TransientTwiceThenSuccess_ResubscribesAfterOneAndTwoSecondsOfBackoff()
    {
        var scheduler = new TestScheduler();
        var subscribedAt = new List<long>();
        var source = Attempts(scheduler, subscribedAt, Status(HttpStatusCode.ServiceUnavailable), new ComfyConnectionException("dropped"), null);

        var observer = scheduler.Start(() => RetryTransient(source, scheduler), created: 0, subscribed: 0, disposed: TimeSpan.FromMinutes(1).Ticks);

        Assert.Equal([0, TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromSeconds(3).Ticks], subscribedAt.Select(t => t - subscribedAt[0]));
        Assert.Equal([NotificationKind.OnNext, NotificationKind.OnCompleted], observer.Messages.Select(m => m.Value.Kind));
    }

    [Fact]
    public void RetryWhenRecipe_ValidationError_FailsAtOnceWithoutResubmitting()
    {
        var scheduler = new TestScheduler();
        var subscribedAt = new List<long>();
        var rejected = new ComfyPromptValidationException("invalid");
        var source = Attempts(scheduler, subscribedAt, rejected, null);

        var observer = scheduler.Start(() => RetryTransient(source, scheduler), created: 0, subscribed: 0, disposed: TimeSpan.FromMinutes(1).Ticks);

        Assert.Single(subscribedAt);
        Assert.Same(rejected, Assert.Single(observer.Messages).Value.Exception);
    }

    [Fact]
    public void RetryWhenRecipe_TransientEveryTime_GivesUpAfterThreeRetriesWithTheLastError()
    {
        var scheduler = new TestScheduler();
        var subscribedAt = new List<long>();
        var last = new ComfyTimeoutException("start", TimeSpan.FromSeconds(1), "late");
        var source = Attempts(scheduler, subscribedAt, Status(HttpStatusCode.BadGateway), Status(HttpStatusCode.BadGateway), Status(HttpStatusCode.BadGateway), last);

        var observer = scheduler.Start(() => RetryTransient(source, scheduler), created: 0, subscribed: 0, disposed: TimeSpan.FromMinutes(1).Ticks);

        Assert.Equal(4, subscribedAt.Count);
        Assert.Same(last, Assert.Single(observer.Messages).Value.Exception);
    }

    // The recipe of docs/jobs.md, "Retrying transient failures only", with the scheduler made explicit for virtual time.
    private static IObservable<T> RetryTransient<T>(IObservable<T> job, IScheduler scheduler) =>
        job.RetryWhen(failures => failures
            .Select((error, attempt) => error is ComfyException { IsTransient: true } && attempt < 3
                ? Observable.Timer(TimeSpan.FromSeconds(1 << attempt), scheduler)      // 1 s, 2 s, 4 s
                : Observable.Throw<long>(error))
            .Concat());

    /// <summary>A cold source like a job: each subscription is one attempt, failing with the next error or succeeding on null.</summary>
    private static IObservable<string> Attempts(TestScheduler scheduler, List<long> subscribedAt, params Exception?[] outcomes) =>
        Observable.Defer(() =>
        {
            var attempt = subscribedAt.Count;
            subscribedAt.Add(scheduler.Clock);
            return outcomes[attempt] is { } error ? Observable.Throw<string>(error) : Observable.Return("result");
        });
}
