using System.Diagnostics;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Jobs;
using Xunit.Abstractions;

namespace ComfyUI.Reactive.IntegrationTests.Jobs;

/// <summary>Dead versus disconnected on a real emulator: a killed server fails its jobs at once, dropped sockets do not.</summary>
public sealed class JobServerDeathTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Promptly = TimeSpan.FromSeconds(2.5);

    private static ComfyEmulatorOptions SlowBlur(int ms) => new()
    {
        SamplerStepTime = TimeSpan.FromMilliseconds(2),
        NodeDelays = new Dictionary<string, TimeSpan> { ["ImageBlur"] = TimeSpan.FromMilliseconds(ms) },
    };

    [Fact]
    public async Task ServerKilled_MidRun_RunningAndQueuedJobsFailWithJobLostWithinTwoSeconds()
    {
        await using var h = await JobHarness.StartAsync(SlowBlur(2000));
        var client = h.Client();
        var running = JobRecording.Start(client.Run(JobHarness.Load("slow_blur_chain")));
        await running.WaitForAsync<JobNodeStarted>(n => n.ClassType == "ImageBlur");
        var queued = JobRecording.Start(client.Run(JobHarness.Load("text_preview_any")));
        await queued.WaitForAsync<JobQueued>();

        var clock = Stopwatch.StartNew();
        await h.Emulator.StopAsync();
        var stopped = clock.Elapsed;
        await Task.WhenAll(running.EndedAsync(), queued.EndedAsync());
        var failed = clock.Elapsed;
        output.WriteLine($"StopAsync returned after {stopped.TotalMilliseconds:0} ms; both jobs failed {failed.TotalMilliseconds:0} ms after the kill began");

        var runningError = Assert.IsType<ComfyJobLostException>(running.Error);
        Assert.Equal(running.PromptId, runningError.PromptId);
        Assert.Contains("stopped while the prompt was running", runningError.Message, StringComparison.Ordinal);
        Assert.Contains("stopped while the prompt was queued", Assert.IsType<ComfyJobLostException>(queued.Error).Message, StringComparison.Ordinal);
        Assert.Equal(1, running.Terminals);
        Assert.Equal(1, queued.Terminals);
        Assert.True(failed < Promptly, $"the jobs failed {failed.TotalMilliseconds:0} ms after the kill");
    }

    [Fact]
    public async Task SocketsDropped_MidRun_HttpStillAnswers_JobCompletes()
    {
        await using var h = await JobHarness.StartAsync(SlowBlur(500));
        var client = h.Client();
        var running = JobRecording.Start(client.Run(JobHarness.Load("slow_blur_chain")));
        await running.WaitForAsync<JobNodeStarted>(n => n.ClassType == "ImageBlur");

        // Dropped again and again: a disconnection, never a death, however often it happens.
        for (var i = 0; i < 3; i++)
        {
            var back = client.Connection.SkipWhile(s => s == ConnectionState.Connected).FirstAsync(s => s == ConnectionState.Connected).ToTask();
            h.Emulator.Faults.DropAllSockets();
            await back.WaitAsync(JobHarness.Wait);
        }

        await running.EndedAsync();

        Assert.Null(running.Error);
        Assert.Equal(1, running.Terminals);
        Assert.Single(running.Result!.Outputs["8"].Images);
        Assert.Equal(1, h.Emulator.GetExecutionCount(running.PromptId!));
    }
}
