using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Pooling;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.IntegrationTests.Pooling;

/// <summary>The pool's building blocks against real emulators: capability fetch and dead-server detection.</summary>
public sealed class PoolingEmulatorTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    private static ComfyClient Connect(ComfyEmulator emulator) => new(new ComfyClientOptions
    {
        BaseAddress = emulator.BaseAddress,
        ReconnectInitialDelay = TimeSpan.FromMilliseconds(20),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
    });

    [Fact]
    public async Task FetchAsync_Emulator_CheckpointsMatchAndMissingOnesAreNamed()
    {
        await using var emulator = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { Checkpoints = ["sd15/a.safetensors"] });
        await using var client = Connect(emulator);

        var capabilities = await ServerCapabilities.FetchAsync(client.Api, ["gpu"], CancellationToken.None).WaitAsync(Bound);

        Assert.True(capabilities.Catalog.Contains("KSampler"));
        Assert.True(capabilities.ModelsByFolder["checkpoints"].Contains("sd15/a.safetensors"));
        var wants = WorkflowRequirements.From(Workflow.Parse(
            """{"1":{"class_type":"CheckpointLoaderSimple","inputs":{"ckpt_name":"sd15/a.safetensors"}}}"""), ["gpu"]);
        var wantsOther = WorkflowRequirements.From(Workflow.Parse(
            """{"1":{"class_type":"CheckpointLoaderSimple","inputs":{"ckpt_name":"b.safetensors"}}}"""));
        Assert.True(CapabilityMatcher.Match(wants, capabilities).CanRun);
        Assert.Equal(
            "missing model files: ckpt_name = 'b.safetensors' (node 1, CheckpointLoaderSimple)",
            CapabilityMatcher.Match(wantsOther, capabilities).Reason);
    }

    [Fact]
    public async Task HealthMonitor_EmulatorKilledThenRestarted_DeadWithinTwoSecondsThenHealthy()
    {
        await using var emulator = await ComfyEmulator.StartAsync();
        await using var client = Connect(emulator);
        await client.ConnectAsync().WaitAsync(Bound);
        using var monitor = new HealthMonitor(
            HealthMonitor.QueueStatusProbe(client),
            client.Session.Liveness.Watched(),
            new HealthMonitorOptions { Interval = TimeSpan.FromSeconds(30), ProbeTimeout = TimeSpan.FromSeconds(1) },
            Scheduler.Default);
        var healthy = monitor.Health.FirstAsync(h => h == ServerHealth.Healthy).ToTask();
        monitor.Start();
        await healthy.WaitAsync(Bound);

        var dead = monitor.Health.FirstAsync(h => h == ServerHealth.Dead).ToTask();
        var killed = System.Diagnostics.Stopwatch.StartNew();
        await emulator.StopAsync();
        await dead.WaitAsync(Bound);
        var detected = killed.Elapsed;

        var back = monitor.Health.FirstAsync(h => h == ServerHealth.Healthy).ToTask();
        await emulator.RestartAsync();
        await back.WaitAsync(Bound);
        Assert.True(detected < TimeSpan.FromSeconds(2), $"Dead was detected after {detected.TotalMilliseconds:F0} ms.");
    }

    [Fact]
    public async Task HealthMonitor_SocketDroppedButHttpAnswers_DisconnectedNotDead()
    {
        await using var emulator = await ComfyEmulator.StartAsync();
        await using var client = Connect(emulator);
        await client.ConnectAsync().WaitAsync(Bound);
        using var monitor = new HealthMonitor(
            HealthMonitor.QueueStatusProbe(client),
            client.Session.Liveness.Watched(),
            new HealthMonitorOptions { Interval = TimeSpan.FromSeconds(30) },
            Scheduler.Default);
        var seen = new List<ServerHealth>();
        var healthy = monitor.Health.FirstAsync(h => h == ServerHealth.Healthy).ToTask();
        monitor.Health.Subscribe(h => { lock (seen) { seen.Add(h); } });
        monitor.Start();
        await healthy.WaitAsync(Bound);

        var disconnected = monitor.Health.FirstAsync(h => h == ServerHealth.Disconnected).ToTask();
        var back = monitor.Health.Skip(1).FirstAsync(h => h == ServerHealth.Healthy).ToTask();
        emulator.Faults.DropAllSockets();
        await disconnected.WaitAsync(Bound);
        await back.WaitAsync(Bound);

        lock (seen)
        {
            Assert.DoesNotContain(ServerHealth.Dead, seen);
        }
    }
}
