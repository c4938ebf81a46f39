using System.Collections.Concurrent;
using System.Net;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Text.Json;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Events;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Workflows;
using Microsoft.Extensions.Logging;

namespace ComfyUI.Reactive.IntegrationTests.Guides;

/// <summary>The claims of docs/troubleshooting.md, each shown against the emulator with the public API only.</summary>
public sealed class TroubleshootingTests
{
    private static readonly TimeSpan Wait = GettingStartedTests.Wait;

    private static Workflow Txt2Img(int steps = 2) => Workflow.Load(GettingStartedTests.Txt2Img).SetByClass("KSampler", "steps", steps);

    [Fact]
    public async Task SubmitWithoutClientId_HotStreamsGetNoExecutionEvents_WithClientIdTheyDo()
    {
        await using var server = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.Zero });
        await using var comfy = new ComfyClient(server.BaseAddress);
        var started = new ConcurrentBag<string?>();
        using var subscription = comfy.ExecutionStarted.Subscribe(e => started.Add(e.PromptId));
        await comfy.ConnectAsync().WaitAsync(Wait);
        using var prompt = JsonDocument.Parse(Txt2Img().ToPromptJson());
        var anonymous = Guid.NewGuid().ToString();
        var ours = Guid.NewGuid().ToString();
        var oursFinished = comfy.Executing.FirstAsync(e => e.PromptId == ours && e.IsPromptFinished).ToTask();

        await comfy.Api.SubmitPromptAsync(new PromptRequest { Prompt = prompt.RootElement, PromptId = anonymous });
        await comfy.Api.SubmitPromptAsync(new PromptRequest { Prompt = prompt.RootElement, PromptId = ours, ClientId = comfy.ClientId });
        await oursFinished.WaitAsync(Wait);   // one worker, in order: the anonymous prompt finished before ours started

        Assert.Equal(1, server.GetExecutionCount(anonymous));
        Assert.Equal([ours], started);
    }

    [Fact]
    public async Task NotFoundOrMethodNotAllowed_MessageSaysTheServerMayBeTooOld()
    {
        await using var server = await ComfyEmulator.StartAsync();
        await using var comfy = new ComfyClient(server.BaseAddress);
        server.Faults.FailRoute("/features", 404);
        server.Faults.FailRoute("/free", 405);

        var notFound = await Assert.ThrowsAsync<ComfyApiException>(() => comfy.Api.GetFeaturesAsync());
        var notAllowed = await Assert.ThrowsAsync<ComfyApiException>(() => comfy.Api.FreeAsync(unloadModels: false, freeMemory: true));

        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal("GET", notFound.Method);
        Assert.EndsWith("/api/features", notFound.RequestUri!.AbsolutePath, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, notAllowed.StatusCode);
        Assert.All([notFound, notAllowed], ex => Assert.Contains("too old", ex.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Connect_BaseAddressWithAWrongPath_MessageBlamesThePathNotTheServersAge()
    {
        await using var server = await ComfyEmulator.StartAsync();
        await using var comfy = new ComfyClient(new Uri(server.BaseAddress, "comfyui/"));

        var ex = await Assert.ThrowsAsync<ComfyApiException>(() => comfy.ConnectAsync().WaitAsync(Wait));

        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Contains("has the path '/comfyui/'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("drop the path", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("usually means the server is too old", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_HttpsToAPlainHttpServer_MessageSaysWhyAndSuggestsHttp()
    {
        await using var server = await ComfyEmulator.StartAsync();
        var https = new UriBuilder(server.BaseAddress) { Scheme = "https" }.Uri;
        await using var comfy = new ComfyClient(https);

        var ex = await Assert.ThrowsAsync<ComfyConnectionException>(() => comfy.ConnectAsync().WaitAsync(Wait));

        Assert.DoesNotContain("see inner exception", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("SSL connection could not be established: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"try {server.BaseAddress}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forbidden_AuthenticationExceptionMentionsTheOriginCheck()
    {
        await using var server = await ComfyEmulator.StartAsync();
        await using var comfy = new ComfyClient(server.BaseAddress);
        server.Faults.FailRoute("/queue", 403);

        var ex = await Assert.ThrowsAsync<ComfyAuthenticationException>(() => comfy.Api.GetQueueAsync());

        Assert.Equal(HttpStatusCode.Forbidden, ex.StatusCode);
        Assert.Contains("Origin", ex.Message, StringComparison.Ordinal);
        Assert.Contains("No credentials are configured", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyWantsCredentials_ConnectThrowsAuthenticationException_WithTheCredentialItWorksAndIsNeverLogged()
    {
        const string Token = "s3cret-token-value";
        await using var server = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { Auth = EmulatorAuth.Bearer(Token) });
        await using (var anonymous = new ComfyClient(server.BaseAddress))
        {
            var ex = await Assert.ThrowsAsync<ComfyAuthenticationException>(() => anonymous.ConnectAsync().WaitAsync(Wait));
            Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
        }

        var log = new RecordingLogger();
        var options = new ComfyClientOptions { BaseAddress = server.BaseAddress, Logger = log };
        options.Credentials.Add(ComfyCredentials.Bearer(Token));
        await using var comfy = new ComfyClient(options);
        await comfy.ConnectAsync().WaitAsync(Wait);
        var result = await comfy.RunAsync(Txt2Img()).WaitAsync(Wait);

        Assert.Single(result.Images);
        Assert.Contains(log.Entries, e => e.Id == 2002);
        Assert.DoesNotContain(log.Entries, e => e.Message.Contains(Token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task OldServerWithoutApiPrefix_UseApiPrefixFalse_JobsUseOnlyTheBarePaths()
    {
        await using var server = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.Zero });
        using var recorder = new PathRecorder { InnerHandler = new HttpClientHandler() };
        await using var comfy = new ComfyClient(new ComfyClientOptions
        {
            BaseAddress = server.BaseAddress,
            UseApiPrefix = false,
            HttpMessageHandler = recorder,
        });

        var result = await comfy.RunAsync(Txt2Img()).WaitAsync(Wait);

        Assert.Single(result.Images);
        Assert.Contains("/prompt", recorder.Paths);
        Assert.Contains("/object_info", recorder.Paths);
        Assert.DoesNotContain(recorder.Paths, p => p.StartsWith("/api", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ServerRestartedWhileQueued_JobLost_RetryTwoSubmitsAgainAndRunsOnce()
    {
        await using var server = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.Zero });
        await using var comfy = new ComfyClient(new ComfyClientOptions
        {
            BaseAddress = server.BaseAddress,
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(50),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
        });
        server.Faults.PauseQueue();
        var errors = new ConcurrentQueue<Exception>();
        var queued = comfy.Status.FirstAsync(s => s.QueueRemaining == 1).ToTask();
        var run = comfy.Run(Txt2Img())
            .Do(_ => { }, errors.Enqueue)
            .Retry(2)                                           // two attempts in all
            .OfType<JobCompleted>()
            .Select(c => c.Result)
            .ToTask();
        await queued.WaitAsync(Wait);

        await server.RestartAsync();
        server.Faults.ResumeQueue();
        var result = await run.WaitAsync(Wait);

        var lost = Assert.IsType<ComfyJobLostException>(Assert.Single(errors));
        Assert.NotEqual(lost.PromptId, result.PromptId);
        Assert.Equal(1, server.GetExecutionCount(result.PromptId));
        Assert.Equal(1, server.TotalExecutions);
    }

    [Fact]
    public async Task ServerKilledWhileQueued_JobLostSaysTheServerStopped_WithinSeconds()
    {
        await using var server = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.Zero });
        await using var comfy = new ComfyClient(new ComfyClientOptions { BaseAddress = server.BaseAddress });
        server.Faults.PauseQueue();
        var queued = comfy.Status.FirstAsync(s => s.QueueRemaining == 1).ToTask();
        var run = comfy.RunAsync(Txt2Img());
        await queued.WaitAsync(Wait);

        await server.StopAsync();
        var lost = await Assert.ThrowsAsync<ComfyJobLostException>(() => run.WaitAsync(TimeSpan.FromSeconds(5)));

        Assert.Contains($"The server at {server.BaseAddress.GetLeftPart(UriPartial.Authority)} stopped while the prompt was queued", lost.Message, StringComparison.Ordinal);
        Assert.Contains("retry", lost.Message, StringComparison.Ordinal);
        Assert.IsType<ComfyConnectionException>(lost.InnerException);
    }

    [Fact]
    public async Task InterruptedBySomeoneElse_ComfyInterruptedExceptionNamesTheRunningNode()
    {
        await using var server = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.FromMilliseconds(50) });
        await using var comfy = new ComfyClient(server.BaseAddress);
        await using var otherApp = new ComfyClient(server.BaseAddress);
        var failure = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        var progressed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var job = comfy.Run(Txt2Img(steps: 200)).Subscribe(
            u => { if (u is JobProgress) { progressed.TrySetResult(); } },
            e => failure.TrySetResult(e));
        await progressed.Task.WaitAsync(Wait);

        await otherApp.Api.InterruptAsync();                     // a global interrupt, like the web UI's Cancel

        var ex = Assert.IsType<ComfyInterruptedException>(await failure.Task.WaitAsync(Wait));
        Assert.Equal("3", ex.NodeId);
        Assert.Equal("KSampler", ex.NodeType);
    }

    [Fact]
    public async Task MalformedFrameAndThrowingSubscriber_AreLoggedAndTheStreamsCarryOn()
    {
        await using var server = await ComfyEmulator.StartAsync();
        var log = new RecordingLogger();
        await using var comfy = new ComfyClient(new ComfyClientOptions { BaseAddress = server.BaseAddress, Logger = log });
        using var throwing = comfy.Status.Subscribe(_ => throw new InvalidOperationException("subscriber bug"));
        var statuses = new ConcurrentQueue<StatusEvent>();
        using var healthy = comfy.Status.Subscribe(statuses.Enqueue);
        await comfy.ConnectAsync().WaitAsync(Wait);
        var next = comfy.Status.FirstAsync().ToTask();

        server.Faults.SendMalformedFrame();
        using var prompt = JsonDocument.Parse(Txt2Img().ToPromptJson());
        await comfy.Api.SubmitPromptAsync(new PromptRequest { Prompt = prompt.RootElement });   // the server broadcasts a status
        await next.WaitAsync(Wait);

        Assert.Contains(log.Entries, e => e.Id == 100 && e.Level == LogLevel.Warning);
        Assert.Contains(log.Entries, e => e.Id == 101 && e.Message.Contains("subscriber bug", StringComparison.Ordinal));
        Assert.True(statuses.Count >= 2);
        Assert.Throws<ComfyProtocolException>(() => ComfyEventParser.ParseText("""{"type": "status", "data": {"""));
    }

    /// <summary>Records the path of every HTTP request.</summary>
    private sealed class PathRecorder : DelegatingHandler
    {
        public ConcurrentQueue<string> Paths { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Paths.Enqueue(request.RequestUri!.AbsolutePath);
            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>Keeps every log entry with its event id.</summary>
    private sealed class RecordingLogger : ILogger
    {
        public ConcurrentQueue<(int Id, LogLevel Level, string Message)> Entries { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Enqueue((eventId.Id, logLevel, formatter(state, exception)));
    }
}
