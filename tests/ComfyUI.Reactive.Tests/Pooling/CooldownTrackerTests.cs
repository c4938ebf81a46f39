using System.Net;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Pooling;
using ComfyUI.Reactive.Workflows;
using Microsoft.Reactive.Testing;

namespace ComfyUI.Reactive.Tests.Pooling;

public sealed class CooldownTrackerTests
{
    private static readonly ServerId A = new("a");
    private static readonly ServerId B = new("b");
    private readonly TestScheduler _scheduler = new();

    private static long Seconds(double s) => TimeSpan.FromSeconds(s).Ticks;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void RecordFailure_NthConsecutiveFailure_StartsCooldown(int threshold)
    {
        using var tracker = new CooldownTracker(threshold, TimeSpan.FromSeconds(30), _scheduler);

        for (var i = 1; i < threshold; i++)
        {
            Assert.False(tracker.RecordFailure(A, "h"));
            Assert.False(tracker.IsCoolingDown(A, "h"));
        }

        Assert.True(tracker.RecordFailure(A, "h"));
        Assert.True(tracker.IsCoolingDown(A, "h"));
    }

    [Fact]
    public void Cooldown_OnlyThatServerAndHash()
    {
        using var tracker = new CooldownTracker(1, TimeSpan.FromSeconds(30), _scheduler);

        tracker.RecordFailure(A, "h");

        Assert.True(tracker.IsCoolingDown(A, "h"));
        Assert.False(tracker.IsCoolingDown(A, "other"));
        Assert.False(tracker.IsCoolingDown(B, "h"));
    }

    [Fact]
    public void Cooldown_EndsAfterPeriod_EmitsExpiredAndCountsAfresh()
    {
        using var tracker = new CooldownTracker(2, TimeSpan.FromSeconds(30), _scheduler);
        var expired = new List<(long, ServerId, string)>();
        tracker.Expired.Subscribe(e => expired.Add((_scheduler.Clock, e.Server, e.Hash)));
        _scheduler.AdvanceTo(Seconds(10));
        tracker.RecordFailure(A, "h");
        tracker.RecordFailure(A, "h");

        _scheduler.AdvanceTo(Seconds(39.9));
        Assert.True(tracker.IsCoolingDown(A, "h"));
        _scheduler.AdvanceTo(Seconds(40));

        Assert.False(tracker.IsCoolingDown(A, "h"));
        Assert.Equal([(Seconds(40), A, "h")], expired);
        Assert.False(tracker.RecordFailure(A, "h")); // first of a new run of two
        Assert.True(tracker.RecordFailure(A, "h"));
    }

    [Fact]
    public void RecordSuccess_ResetsConsecutiveCount()
    {
        using var tracker = new CooldownTracker(3, TimeSpan.FromSeconds(30), _scheduler);

        tracker.RecordFailure(A, "h");
        tracker.RecordFailure(A, "h");
        tracker.RecordSuccess(A, "h");
        tracker.RecordFailure(A, "h");
        tracker.RecordFailure(A, "h");

        Assert.False(tracker.IsCoolingDown(A, "h"));
        Assert.True(tracker.RecordFailure(A, "h"));
    }

    [Fact]
    public void Disabled_ZeroThresholdOrPeriod_NeverCools()
    {
        using var noThreshold = new CooldownTracker(0, TimeSpan.FromSeconds(30), _scheduler);
        using var noPeriod = new CooldownTracker(1, TimeSpan.Zero, _scheduler);

        Assert.False(noThreshold.RecordFailure(A, "h"));
        Assert.False(noPeriod.RecordFailure(A, "h"));
        Assert.False(noThreshold.IsCoolingDown(A, "h"));
        Assert.False(noPeriod.IsCoolingDown(A, "h"));
    }

    [Fact]
    public void Forget_DropsCooldownAndTimer()
    {
        using var tracker = new CooldownTracker(1, TimeSpan.FromSeconds(30), _scheduler);
        var expired = 0;
        tracker.Expired.Subscribe(_ => expired++);
        tracker.RecordFailure(A, "h");

        tracker.Forget(A);
        _scheduler.AdvanceTo(Seconds(60));

        Assert.False(tracker.IsCoolingDown(A, "h"));
        Assert.Equal(0, expired);
    }

    public static TheoryData<Exception, bool> Classified => new()
    {
        { new ComfyPromptValidationException("bad"), true },
        { new ComfyWorkflowException("bad graph"), true },
        { Api(HttpStatusCode.BadRequest), true },
        { Api(HttpStatusCode.NotFound), true },
        { Api(HttpStatusCode.InternalServerError), false },
        { Api(HttpStatusCode.ServiceUnavailable), false },
        { Api(HttpStatusCode.TooManyRequests), false },
        { Api(HttpStatusCode.RequestTimeout), false },
        { new ComfyAuthenticationException("nope", HttpStatusCode.Unauthorized, "GET", null, null), false },
        { new ComfyConnectionException("refused"), false },
        { new ComfyTimeoutException("start", TimeSpan.FromSeconds(1), "late"), false },
        { new TimeoutException(), false },
        { new HttpRequestException("refused"), false },
        { new InvalidOperationException("unknown"), false },
    };

    private static ComfyApiException Api(HttpStatusCode status) => new("failed", status, "POST", null, null);

    [Theory]
    [MemberData(nameof(Classified))]
    public void Classify_DefaultRules(Exception exception, bool workflowsFault) =>
        Assert.Equal(workflowsFault ? FailureKind.Workflow : FailureKind.Server, FailureClassifier.Classify(exception));

    public static TheoryData<Exception, bool> CountedForCooldown => new()
    {
        { Api(HttpStatusCode.InternalServerError), true },
        { new ComfyTimeoutException("start", TimeSpan.FromSeconds(1), "late"), true },
        { new TimeoutException(), true },
        { new ComfyInterruptedException("interrupted"), true },
        { new ComfyAuthenticationException("nope", HttpStatusCode.Unauthorized, "GET", null, null), true },
        { new InvalidOperationException("unknown"), true },
        { new ComfyConnectionException("refused"), false },
        { new ComfyJobLostException("p", "http://gpu"), false },
        { new HttpRequestException("refused"), false },
        { Api(HttpStatusCode.BadGateway), false },
        { Api(HttpStatusCode.ServiceUnavailable), false },
        { Api(HttpStatusCode.GatewayTimeout), false },
        { Api(HttpStatusCode.RequestTimeout), false },
        { Api(HttpStatusCode.TooManyRequests), false },
    };

    [Theory]
    [MemberData(nameof(CountedForCooldown))]
    public void CountsTowardsCooldown_OnlyFailuresAboutTheWorkflowOnThatServer(Exception exception, bool counts) =>
        Assert.Equal(counts, FailureClassifier.CountsTowardsCooldown(exception));

    [Fact]
    public void Classify_ExtraWorkflowFault_Recognised()
    {
        var nodeError = new InvalidOperationException("node raised");

        Assert.Equal(FailureKind.Workflow, FailureClassifier.Classify(nodeError, e => ReferenceEquals(e, nodeError)));
        Assert.Equal(FailureKind.Server, FailureClassifier.Classify(new ComfyConnectionException(), e => ReferenceEquals(e, nodeError)));
    }

    [Fact]
    public void Classify_ValidationExceptionFromServerAnswer_Workflow()
    {
        var ex = new ComfyPromptValidationException(
            "rejected", HttpStatusCode.BadRequest, "POST", null, null, new PromptError { Type = "prompt_outputs_failed_validation" },
            new Dictionary<string, NodeValidationError>());

        Assert.Equal(FailureKind.Workflow, FailureClassifier.Classify(ex));
    }
}
