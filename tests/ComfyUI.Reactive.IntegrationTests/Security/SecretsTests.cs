using System.Collections.Concurrent;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.IntegrationTests.Emulator;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Workflows;
using Microsoft.Extensions.Logging;

namespace ComfyUI.Reactive.IntegrationTests.Security;

/// <summary>
/// Issue 8 security checks end to end: whatever fails (refused credentials, failing routes, failing nodes, a dead
/// server), no credential — basic password, bearer token, custom header, query token, Comfy.org API key — appears in any
/// log line, exception message or <c>ToString()</c>.
/// </summary>
public sealed class SecretsTests
{
    private const string Password = "pw-S3CRET-basic";
    private const string Token = "tok-S3CRET-bearer";
    private const string HeaderSecret = "hdr-S3CRET-custom";
    private const string QuerySecret = "qry-S3CRET-query";
    private const string ApiKey = "key-S3CRET-comfy-org";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private static readonly string[] Secrets =
    [
        Password, Token, HeaderSecret, QuerySecret, ApiKey,
        Convert.ToBase64String("alice:pw-S3CRET-basic"u8.ToArray()),
    ];

    [Fact]
    public async Task Failures_WithEveryCredentialKind_NeverRevealASecret()
    {
        var logger = new CollectingLogger();
        var texts = new List<string>();
        await using var emulator = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { Auth = EmulatorAuth.Bearer(Token) });

        // 1. Refused: wrong credentials of every kind at once.
        await using (var refused = Create(emulator, logger, bearer: "wrong-" + Token))
        {
            texts.Add(refused.ToString()!);
            var error = await Assert.ThrowsAsync<ComfyAuthenticationException>(() => refused.ConnectAsync().WaitAsync(Bound));
            texts.Add(error.ToString());
        }

        // 2. Accepted, then every kind of failure the SDK reports.
        await using (var comfy = Create(emulator, logger, bearer: Token))
        {
            await comfy.ConnectAsync().WaitAsync(Bound);
            var workflow = Workflow.Parse(Fixture.Workflow("basic_empty_invert_save").ToJsonString());

            emulator.Faults.FailRoute("/prompt", 500, count: 1);
            texts.Add((await Assert.ThrowsAsync<ComfyApiException>(() => comfy.RunAsync(workflow).WaitAsync(Bound))).ToString());

            emulator.Faults.FailNode("ImageInvert", "boom");
            texts.Add((await Assert.ThrowsAsync<ComfyExecutionException>(() => comfy.RunAsync(workflow.Set("1.inputs.color", 1)).WaitAsync(Bound))).ToString());
            emulator.Faults.Reset();
            emulator.Faults.RequireAuth(EmulatorAuth.Bearer(Token));

            var invalid = workflow.Set("1.inputs.width", -5);
            texts.Add((await Assert.ThrowsAsync<ComfyPromptValidationException>(() => comfy.RunAsync(invalid).WaitAsync(Bound))).ToString());
            texts.Add((await Assert.ThrowsAsync<ComfyPromptValidationException>(() =>
                comfy.RunAsync(invalid, new JobOptions { ValidateBeforeSubmit = false }).WaitAsync(Bound))).ToString());

            var ok = await comfy.RunAsync(workflow.Set("1.inputs.color", 2), new JobOptions { ComfyOrgApiKey = ApiKey }).WaitAsync(Bound);
            texts.Add(ok.ToString());
            texts.Add(new JobOptions { ComfyOrgApiKey = ApiKey }.ToString());

            // 3. The server dies under a running job.
            emulator.Faults.HangNode("ImageInvert");
            var hung = comfy.RunAsync(workflow.Set("1.inputs.color", 3), new JobOptions { OverallTimeout = TimeSpan.FromSeconds(5) });
            await emulator.StopAsync();
            texts.Add((await Assert.ThrowsAnyAsync<ComfyException>(() => hung.WaitAsync(Bound))).ToString());
        }

        texts.AddRange(logger.Lines);
        Assert.NotEmpty(logger.Lines);
        foreach (var text in texts)
        {
            foreach (var secret in Secrets)
            {
                Assert.False(text.Contains(secret, StringComparison.Ordinal), $"secret '{secret}' leaked in: {text}");
            }
        }
    }

    private static ComfyClient Create(ComfyEmulator emulator, ILogger logger, string bearer)
    {
        var options = new ComfyClientOptions
        {
            BaseAddress = emulator.BaseAddress,
            Logger = logger,
            ComfyOrgApiKey = ApiKey,
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(20),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
        };
        options.Credentials.Add(ComfyCredentials.Bearer(bearer));
        options.Credentials.Add(ComfyCredentials.Header("X-Api-Key", HeaderSecret));
        options.Credentials.Add(ComfyCredentials.QueryToken("token", QuerySecret));
        Assert.DoesNotContain(QuerySecret, string.Join(",", options.Credentials), StringComparison.Ordinal);
        return new ComfyClient(options);
    }

    private sealed class CollectingLogger : ILogger
    {
        private readonly ConcurrentQueue<string> _lines = new();

        public IReadOnlyList<string> Lines => [.. _lines];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _lines.Enqueue(formatter(state, exception) + (exception is null ? string.Empty : " | " + exception));
    }
}
