using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using ComfyUI.Reactive.DependencyInjection;
using ComfyUI.Reactive.Diagnostics;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.IntegrationTests.Jobs;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Pooling;
using ComfyUI.Reactive.Registry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ComfyUI.Reactive.IntegrationTests.Hosting;

/// <summary><c>AddComfyPool</c> under a real generic host over emulators: configuration, start/stop, health, metrics,
/// traces, secrets.</summary>
public sealed class AddComfyPoolTests
{
    private const string Secret = "s3cr3t-bearer-token";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task AddComfyPool_BoundFromConfiguration_RunsAJobWithMetricsSpansAndHealthAndNoSecretInLogs()
    {
        await using var emulator = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions
        {
            SamplerStepTime = TimeSpan.FromMilliseconds(2), Auth = EmulatorAuth.Bearer(Secret),
        });
        var logs = new LogSink();
        using var spans = new SpanRecorder();
        using var meters = new MeasurementRecorder();
        var host = Host(logs, new()
        {
            ["ComfyPool:Servers:0:Name"] = "emu",
            ["ComfyPool:Servers:0:Url"] = emulator.BaseAddress.ToString(),
            ["ComfyPool:Servers:0:Tags:0"] = "gpu",
            ["ComfyPool:Servers:0:Credentials:BearerToken"] = Secret,
            ["ComfyPool:MaxAttempts"] = "2",
            ["ComfyPool:HealthCheckInterval"] = "00:00:00.200",
        });
        // Disposed asynchronously: a synchronous IHost.Dispose blocks on xunit's synchronization context.
        await using var hostLifetime = (IAsyncDisposable)host;
        await host.StartAsync();
        var pool = host.Services.GetRequiredService<ComfyPool>();
        await pool.Servers.FirstAsync(s => s.State == ServerState.Ready).ToTask().WaitAsync(Wait);

        var id = pool.Enqueue(JobHarness.Load("txt2img_sd15"), new PoolJobOptions { Tags = ["gpu"] });
        await pool.Observe(id).LastAsync().ToTask().WaitAsync(Wait);
        var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync().WaitAsync(Wait);
        await host.StopAsync();

        Assert.Equal(JobStatus.Completed, (await pool.GetAsync(id))!.Status);
        Assert.Equal(HealthStatus.Healthy, health.Status);
        Assert.Equal(HealthStatus.Healthy, health.Entries["comfyui-pool"].Status);
        var job = Assert.Single(spans.Stopped, a => a.OperationName == "comfyui.job");
        Assert.Equal(id.Value, job.GetTagItem("comfyui.job.id"));
        Assert.Equal("emu", job.GetTagItem("comfyui.server"));
        Assert.Equal(ActivityStatusCode.Ok, job.Status);
        var attempt = Assert.Single(spans.Stopped, a => a.OperationName == "comfyui.attempt");
        Assert.Equal(job.SpanId, attempt.ParentSpanId);
        Assert.Contains(attempt.Events, e => e.Name == "node");
        Assert.Equal(1, meters.Sum("comfyui.jobs.enqueued"));
        Assert.Equal(1, meters.Sum("comfyui.jobs.finished", "outcome", "completed"));
        Assert.Equal(0, meters.Sum("comfyui.jobs.in_flight"));
        Assert.NotEmpty(logs.Lines);
        Assert.DoesNotContain(logs.Lines, l => l.Contains(Secret, StringComparison.Ordinal));

        // The health probes ran (every 200 ms) and wrote nothing at Information or above.
        Assert.DoesNotContain(logs.Lines, l => l.Contains("HTTP request", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task AddComfyPool_InvalidConfiguration_HostStartFailsNamingTheSettingsNeverTheSecret()
    {
        var host = Host(new LogSink(), new()
        {
            ["ComfyPool:Servers:0:Url"] = "ftp://gpu-1:8188",
            ["ComfyPool:Servers:1:Url"] = "http://gpu-2:8188",
            ["ComfyPool:Servers:1:Credentials:HeaderValue"] = Secret,
            ["ComfyPool:MaxAttempts"] = "0",
        });
        // Disposed asynchronously: a synchronous IHost.Dispose blocks on xunit's synchronization context.
        await using var hostLifetime = (IAsyncDisposable)host;

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Servers:0:Url", error.Message, StringComparison.Ordinal);
        Assert.Contains("Servers:1:Credentials: HeaderName and HeaderValue go together", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxAttempts", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Drain", JobStatus.Completed)]
    [InlineData("Cancel", JobStatus.Cancelled)]
    public async Task StopAsync_WithAJobRunning_DrainsOrCancelsAsConfigured(string onStop, JobStatus expected)
    {
        await using var emulator = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.FromMilliseconds(25) });
        var host = Host(new LogSink(), new()
        {
            ["ComfyPool:Servers:0:Url"] = emulator.BaseAddress.ToString(),
            ["ComfyPool:OnStop"] = onStop,
        });
        // Disposed asynchronously: a synchronous IHost.Dispose blocks on xunit's synchronization context.
        await using var hostLifetime = (IAsyncDisposable)host;
        await host.StartAsync();
        var pool = host.Services.GetRequiredService<ComfyPool>();
        await pool.Servers.FirstAsync(s => s.State == ServerState.Ready).ToTask().WaitAsync(Wait);
        var id = pool.Enqueue(JobHarness.Load("txt2img_sd15"));
        await pool.Observe(id).OfType<JobProgress>().FirstAsync().ToTask().WaitAsync(Wait);

        await Task.Run(() => host.StopAsync()).WaitAsync(Wait);
        var status = (await pool.GetAsync(id))!.Status;

        Assert.Equal(expected, status);
    }

    [Fact]
    public async Task Dispose_SynchronousOfAContainerWithAPoolAndClients_DoesNotThrowAndClosesThem()
    {
        await using var emulator = await ComfyEmulator.StartAsync();
        var provider = new ServiceCollection()
            .AddComfyPool(o => o.Servers.Add(new ComfyServerOptions { Url = emulator.BaseAddress }))
            .AddComfyUI(o => o.BaseAddress = emulator.BaseAddress)
            .BuildServiceProvider();
        var pool = provider.GetRequiredService<ComfyPool>();
        var client = provider.GetRequiredService<ComfyClient>();
        await client.ConnectAsync().WaitAsync(Wait);

        provider.Dispose();

        Assert.Equal(ConnectionState.Closed, client.ConnectionState);
        Assert.Throws<ObjectDisposedException>(() => pool.Enqueue(JobHarness.Load("txt2img_sd15")));
    }

    [Fact]
    public async Task HealthCheck_ServerStopped_PoolReportedUnhealthy()
    {
        var emulator = await ComfyEmulator.StartAsync();
        await using var _ = emulator;
        var host = Host(new LogSink(), new()
        {
            ["ComfyPool:Servers:0:Url"] = emulator.BaseAddress.ToString(),
            ["ComfyPool:HealthCheckInterval"] = "00:00:00.100",
            ["ComfyPool:HealthCheckTimeout"] = "00:00:00.500",
            ["ComfyPool:FailureThreshold"] = "1",
        });
        // Disposed asynchronously: a synchronous IHost.Dispose blocks on xunit's synchronization context.
        await using var hostLifetime = (IAsyncDisposable)host;
        await host.StartAsync();
        var pool = host.Services.GetRequiredService<ComfyPool>();
        await pool.Servers.FirstAsync(s => s.State == ServerState.Ready).ToTask().WaitAsync(Wait);
        var checks = host.Services.GetRequiredService<HealthCheckService>();
        Assert.Equal(HealthStatus.Healthy, (await checks.CheckHealthAsync()).Status);

        await emulator.StopAsync();
        await pool.Servers.FirstAsync(s => s.State == ServerState.Unhealthy).ToTask().WaitAsync(Wait);
        var report = await checks.CheckHealthAsync();
        await host.StopAsync();

        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Contains("None of the pool's 1 servers", report.Entries["comfyui-pool"].Description, StringComparison.Ordinal);
    }

    private static IHost Host(LogSink logs, Dictionary<string, string?> settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Information);
        builder.Services.AddComfyPool(builder.Configuration.GetSection("ComfyPool"));
        builder.Services.AddHealthChecks().AddComfyPool();
        return builder.Build();
    }

    /// <summary>Every log line, formatted, from every category.</summary>
    private sealed class LogSink : ILoggerProvider
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(LogSink sink, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (sink._lines)
                {
                    sink._lines.Add($"{logLevel} {category}: {formatter(state, exception)} {exception}");
                }
            }
        }
    }

    /// <summary>The SDK's spans, as OpenTelemetry would get them.</summary>
    private sealed class SpanRecorder : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly List<Activity> _stopped = [];

        public SpanRecorder()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = s => s.Name == ComfyTelemetry.ActivitySourceName,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = a =>
                {
                    lock (_stopped)
                    {
                        _stopped.Add(a);
                    }
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public IReadOnlyList<Activity> Stopped
        {
            get
            {
                lock (_stopped)
                {
                    return [.. _stopped];
                }
            }
        }

        public void Dispose() => _listener.Dispose();
    }

    /// <summary>Sums of the pool meter's long instruments, by name and one optional tag.</summary>
    private sealed class MeasurementRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<(string Name, long Value, KeyValuePair<string, object?>[] Tags)> _measurements = [];

        public MeasurementRecorder()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ComfyTelemetry.PoolMeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                lock (_measurements)
                {
                    _measurements.Add((instrument.Name, value, tags.ToArray()));
                }
            });
            _listener.Start();
        }

        public long Sum(string name, string? tag = null, string? value = null)
        {
            lock (_measurements)
            {
                return _measurements
                    .Where(m => m.Name == name && (tag is null || m.Tags.Any(t => t.Key == tag && Equals(t.Value, value))))
                    .Sum(m => m.Value);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
