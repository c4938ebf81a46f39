using ComfyUI.Reactive.Benchmarks.Soak;
using Xunit.Abstractions;

namespace ComfyUI.Reactive.IntegrationTests.Reliability;

/// <summary>
/// A smaller run of the benchmark's fault soak (<c>tests/ComfyUI.Reactive.Benchmarks/Soak</c>, compiled into this project
/// too): 3 emulators, 100 jobs, a fault every 0.5-1 s, every fault kind at least once.
/// </summary>
[Collection(nameof(ReliabilityTests))]
public sealed class FaultSoakTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Soak_HundredJobsUnderEveryFaultKind_AllCompleteOnceAndExtraExecutionsOnlyFromDeaths()
    {
        using var log = new StringWriter();
        var report = await FaultSoak.RunAsync(new SoakSettings
        {
            Jobs = 100,
            Seed = 8,
            MinJobMs = 100,
            MaxJobMs = 300,
            MinFaultGap = TimeSpan.FromMilliseconds(500),
            MaxFaultGap = TimeSpan.FromMilliseconds(1000),
            Deadline = TimeSpan.FromSeconds(60),
            Log = log,
        });
        output.WriteLine(log.ToString());
        output.WriteLine(report.DeathLine);
        output.WriteLine(report.LastLine);

        Assert.Equal(4, report.Faults.Count); // kill+restart, socket drop, 503 burst, upgrades refused
        Assert.Equal(100, report.Completed);
        Assert.Equal(0, report.Failed);
        Assert.Equal(0, report.Duplicates);
        Assert.Equal(0, report.Misattributed);
        Assert.Equal(0, report.ExtraOutsideDeaths); // every extra execution is a job that was in flight on a killed server
        Assert.InRange(report.ExtraExecutions, 0, report.Kills * 2); // per death: the running prompt, plus at a boundary the one just finished unread

        // Re-dispatch within 2 s of a kill is asserted by ComfyPoolEmulatorTests (one fault at a time) and measured by the
        // full soak; faults this dense can leave no other server in rotation at the moment of a kill.
    }
}
