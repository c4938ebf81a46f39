using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Redis.DependencyInjection;
using ComfyUI.Reactive.Redis.Tests.Distributed;
using ComfyUI.Reactive.Redis.Tests.Infrastructure;
using ComfyUI.Reactive.Registry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ComfyUI.Reactive.Redis.Tests.Hosting;

/// <summary><c>AddComfyRedisPool</c> in a real generic host, from in-memory configuration, on a real redis-server and
/// the in-process emulator.</summary>
public sealed class AddComfyRedisPoolTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private const string Secret = "s3cret-Pa55word-never-shown";
    private static readonly TimeSpan Bound = DistributedHarness.Bound;

    [Fact]
    public void Bind_LocalPoolSettings_ReachTheLocalPoolLikeAddComfyPool()
    {
        var settings = Settings(redis.Server, RedisFixture.NewPrefix(), null);
        settings["ComfyRedisPool:ServerCapacity"] = "1";
        settings["ComfyRedisPool:CooldownPeriod"] = "00:02:00";
        settings["ComfyRedisPool:CapabilityRefreshInterval"] = "00:07:00";
        using var host = BuildHost(settings, new LogSink());

        var pool = host.Services.GetRequiredService<IOptions<RedisPoolHostOptions>>().Value.ToPoolOptions(null, null, null).Pool;

        Assert.Equal((1, TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(7)), (pool.ServerCapacity, pool.CooldownPeriod, pool.CapabilityRefreshInterval));
        Assert.Equal(TimeSpan.FromSeconds(1), pool.HealthCheckInterval);
    }

    [Fact]
    public async Task Host_FromConfiguration_RunsAJobEndToEndAndIsHealthy()
    {
        await using var emulator = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.FromMilliseconds(2), SamplerPreviews = false });
        var logs = new LogSink();
        using var host = BuildHost(Settings(redis.Server, RedisFixture.NewPrefix(), emulator), logs);

        await host.StartAsync().WaitAsync(Bound);
        var pool = host.Services.GetRequiredService<RedisComfyPool>();
        await DistributedHarness.WhenReadyAsync(pool, 1);
        var id = await pool.EnqueueAsync(DistributedHarness.Workflow(7));
        var (updates, error) = await DistributedHarness.ObserveAsync(pool, id);
        var health = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync().WaitAsync(Bound);

        Assert.Null(error);
        Assert.IsType<JobCompleted>(updates[^1]);
        Assert.Equal(1, emulator.TotalExecutions);
        Assert.Equal("worker-1", pool.ProcessName);
        var entry = health.Entries["comfyui-redis-pool"];
        Assert.Equal(HealthStatus.Healthy, entry.Status);
        Assert.Equal(1, entry.Data["leasedServers"]);
        Assert.Contains(logs.Lines, l => l.Contains("ComfyUI Redis pool worker-1 started with 1 servers", StringComparison.Ordinal));
        await host.StopAsync().WaitAsync(Bound);
    }

    [Fact]
    public void Resolve_BeforeTheHostStarts_ThrowsAClearError()
    {
        using var host = BuildHost(Settings(redis.Server, RedisFixture.NewPrefix(), null), new LogSink());

        var error = Assert.Throws<InvalidOperationException>(() => host.Services.GetRequiredService<RedisComfyPool>());

        Assert.Contains("connects when the host starts", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_MissingConnectionAndServers_FailsNamingTheSettings()
    {
        var logs = new LogSink();
        using var host = BuildHost(new Dictionary<string, string?> { ["ComfyRedisPool:KeyPrefix"] = "x" }, logs);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().WaitAsync(Bound));

        Assert.Contains("The ComfyUI Redis pool is misconfigured: Redis:ConnectionString is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("Servers: at least one server is needed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_InvalidSettings_FailsNamingEachAndNoSecret()
    {
        var settings = Settings(redis.Server, RedisFixture.NewPrefix(), null);
        settings["ComfyRedisPool:Redis:Password"] = Secret;
        settings["ComfyRedisPool:Servers:0:Url"] = "ftp://gpu-0";
        settings["ComfyRedisPool:Servers:1:Name"] = "gpu-1";
        settings["ComfyRedisPool:Servers:1:Url"] = "http://gpu-1:8188";
        settings["ComfyRedisPool:Servers:1:Credentials:Password"] = Secret;
        settings["ComfyRedisPool:HeartbeatInterval"] = "00:01:00";
        var logs = new LogSink();
        using var host = BuildHost(settings, logs);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().WaitAsync(Bound));

        Assert.Contains("Servers:0:Url must be an absolute http:// or https:// address", error.Message, StringComparison.Ordinal);
        Assert.Contains("Servers:1:Credentials: UserName and Password go together", error.Message, StringComparison.Ordinal);
        Assert.Contains("HeartbeatInterval", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(logs.Lines, l => l.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_UnparsableConnectionString_FailsWithoutQuotingIt()
    {
        var settings = Settings(redis.Server, RedisFixture.NewPrefix(), null);
        settings["ComfyRedisPool:Redis:ConnectionString"] = $"127.0.0.1:1,password={Secret},connectTimeout=soon";
        using var host = BuildHost(settings, new LogSink());

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync().WaitAsync(Bound));

        Assert.Contains("Redis:ConnectionString is not a valid StackExchange.Redis configuration string", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Start_RedisUnreachable_FailsNamingTheEndpointNeverThePassword(bool inConnectionString)
    {
        var settings = Settings(redis.Server, RedisFixture.NewPrefix(), null);
        var port = FreePort();
        settings["ComfyRedisPool:Redis:ConnectionString"] = $"127.0.0.1:{port},connectTimeout=500,connectRetry=1"
            + (inConnectionString ? $",password={Secret}" : string.Empty);
        if (!inConnectionString)
        {
            settings["ComfyRedisPool:Redis:Password"] = Secret;
        }

        var logs = new LogSink();
        using var host = BuildHost(settings, logs);

        var error = await Assert.ThrowsAsync<ComfyRedisUnavailableException>(() => host.StartAsync().WaitAsync(Bound));

        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(logs.Lines, l => l.Contains(Secret, StringComparison.Ordinal));
        var options = host.Services.GetRequiredService<IOptions<RedisPoolHostOptions>>().Value;
        Assert.DoesNotContain(Secret, options.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, options.Redis.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthCheck_RedisStopped_GoesUnhealthyAndThePasswordIsNeverLogged()
    {
        // Its own server: it is stopped here, and it requires a password.
        await using var server = await RedisServer.StartAsync();
        var adminOptions = server.Options();
        adminOptions.AllowAdmin = true;
        await using (var admin = await ConnectionMultiplexer.ConnectAsync(adminOptions))
        {
            await admin.GetDatabase().ExecuteAsync("CONFIG", "SET", "requirepass", Secret);
        }

        await using var emulator = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.FromMilliseconds(2), SamplerPreviews = false });
        var settings = Settings(server, RedisFixture.NewPrefix(), emulator);
        settings["ComfyRedisPool:Redis:Password"] = Secret;
        var logs = new LogSink();
        using var host = BuildHost(settings, logs);
        await host.StartAsync().WaitAsync(Bound);
        var pool = host.Services.GetRequiredService<RedisComfyPool>();
        var checks = host.Services.GetRequiredService<HealthCheckService>();
        await DistributedHarness.WhenReadyAsync(pool, 1);
        var healthy = await checks.CheckHealthAsync().WaitAsync(Bound);

        await server.StopAsync();
        HealthReport? report = null;
        var unhealthy = await Eventually.TrueAsync(
            async () => (report = await checks.CheckHealthAsync()).Status == HealthStatus.Unhealthy, Bound);

        Assert.Equal(HealthStatus.Healthy, healthy.Status);
        Assert.True(unhealthy, "the health check did not go unhealthy with Redis stopped");
        var entry = report!.Entries["comfyui-redis-pool"];
        Assert.StartsWith("Redis is unreachable", entry.Description, StringComparison.Ordinal);
        Assert.Contains("leasedServers", entry.Data.Keys);
        await host.StopAsync().WaitAsync(Bound);
        Assert.DoesNotContain(logs.Lines, l => l.Contains(Secret, StringComparison.Ordinal));
        Assert.DoesNotContain(Secret, entry.Description ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StopAsync_Drain_FinishesTheHeldJobReleasesTheLeaseAndDisposesWithinTheBound()
    {
        await using var emulator = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.FromMilliseconds(30), SamplerPreviews = false });
        var prefix = RedisFixture.NewPrefix();
        var settings = Settings(redis.Server, prefix, emulator);
        settings["ComfyRedisPool:OnStop"] = "Drain";
        settings["ComfyRedisPool:DrainTimeout"] = "00:00:30";
        using var host = BuildHost(settings, new LogSink());
        await host.StartAsync().WaitAsync(Bound);
        var pool = host.Services.GetRequiredService<RedisComfyPool>();
        await DistributedHarness.WhenReadyAsync(pool, 1);
        var id = await pool.EnqueueAsync(DistributedHarness.Workflow(11));
        Assert.True(await Eventually.TrueAsync(async () => await pool.GetStatusAsync(id) == JobStatus.Running, Bound));

        var stopping = System.Diagnostics.Stopwatch.StartNew();
        await host.StopAsync().WaitAsync(Bound);
        stopping.Stop();

        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(20), $"stopping took {stopping.Elapsed}");
        Assert.Equal("Completed", (string?)await redis.Database.HashGetAsync($"{prefix}:job:{id.Value}", "status"), StringComparer.OrdinalIgnoreCase);
        Assert.False(await redis.Database.KeyExistsAsync($"{prefix}:lease:gpu-0"));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pool.EnqueueAsync(DistributedHarness.Workflow(12)));
    }

    [Fact]
    public async Task StopAsync_HandOver_ReturnsWithoutWaitingAndLeavesTheJobRunningForAnotherProcess()
    {
        await using var emulator = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.FromMilliseconds(200), SamplerPreviews = false });
        var prefix = RedisFixture.NewPrefix();
        var settings = Settings(redis.Server, prefix, emulator);
        settings["ComfyRedisPool:OnStop"] = "HandOver";
        using var host = BuildHost(settings, new LogSink());
        await host.StartAsync().WaitAsync(Bound);
        var pool = host.Services.GetRequiredService<RedisComfyPool>();
        await DistributedHarness.WhenReadyAsync(pool, 1);
        var id = await pool.EnqueueAsync(DistributedHarness.Workflow(13));
        Assert.True(await Eventually.TrueAsync(async () => await pool.GetStatusAsync(id) == JobStatus.Running, Bound));

        await host.StopAsync().WaitAsync(Bound);

        // Handed over, not cancelled and not finished here (the prompt takes 20 steps of 200 ms).
        Assert.Equal("running", (string?)await redis.Database.HashGetAsync($"{prefix}:job:{id.Value}", "status"));
        Assert.False(await redis.Database.KeyExistsAsync($"{prefix}:lease:gpu-0"));
    }

    private static Dictionary<string, string?> Settings(RedisServer server, string prefix, ComfyEmulator? emulator)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ComfyRedisPool:Redis:ConnectionString"] = $"{server.EndPoint},connectTimeout=2000,syncTimeout=2000,asyncTimeout=2000,connectRetry=1",
            ["ComfyRedisPool:Servers:0:Name"] = "gpu-0",
            ["ComfyRedisPool:Servers:0:Url"] = emulator?.BaseAddress.ToString() ?? "http://127.0.0.1:1",
            ["ComfyRedisPool:KeyPrefix"] = prefix,
            ["ComfyRedisPool:ProcessName"] = "worker-1",
            ["ComfyRedisPool:LeaseDuration"] = "00:00:03",
            ["ComfyRedisPool:LeaseRenewInterval"] = "00:00:00.300",
            ["ComfyRedisPool:ClaimIdle"] = "00:00:01.500",
            ["ComfyRedisPool:HeartbeatInterval"] = "00:00:00.300",
            ["ComfyRedisPool:PollInterval"] = "00:00:00.100",
            ["ComfyRedisPool:FollowInterval"] = "00:00:00.100",
            ["ComfyRedisPool:HealthCheckInterval"] = "00:00:01",
            ["ComfyRedisPool:HealthCheckTimeout"] = "00:00:01",
        };
        return settings;
    }

    private static IHost BuildHost(Dictionary<string, string?> settings, LogSink logs)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders().AddProvider(logs).SetMinimumLevel(LogLevel.Trace);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.AddComfyRedisPool(builder.Configuration.GetSection("ComfyRedisPool"));
        builder.Services.AddHealthChecks().AddComfyRedisPool();
        return builder.Build();
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
