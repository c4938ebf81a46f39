using System.Diagnostics;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Redis.Tests.Infrastructure;
using Xunit.Abstractions;

namespace ComfyUI.Reactive.Redis.Tests.Samples;

/// <summary>
/// <c>samples/ComfyUI.Reactive.Distributed</c> as its header tells a user to run it: two worker processes and a
/// submitter sharing two ComfyUI servers through one Redis (here a real redis-server and two emulators). The submitter
/// sees every result once, and the servers ran each job once.
/// </summary>
public sealed class DistributedSampleTests(RedisFixture redis, ITestOutputHelper output) : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);
    private readonly List<Process> _processes = [];
    private readonly List<ComfyEmulator> _emulators = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
        }

        foreach (var emulator in _emulators)
        {
            await emulator.DisposeAsync();
        }
    }

    [Fact]
    public async Task TwoWorkersAndASubmitter_EveryJobDoneOnceWhereverItRan()
    {
        for (var i = 0; i < 2; i++)
        {
            _emulators.Add(await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.FromMilliseconds(20) }));
        }

        var urls = string.Join(',', _emulators.Select(e => e.BaseAddress.ToString().TrimEnd('/')));
        var workerA = Start(urls, "worker", "a");
        var workerB = Start(urls, "worker", "b");
        foreach (var worker in new[] { workerA, workerB })
        {
            // Drained so a chatty worker never blocks on a full pipe.
            _ = worker.StandardOutput.ReadToEndAsync();
            _ = worker.StandardError.ReadToEndAsync();
        }

        var submitter = Start(urls, "submit", "4");
        var submitterOutput = submitter.StandardOutput.ReadToEndAsync();
        var submitterErrors = submitter.StandardError.ReadToEndAsync();

        using var timeout = new CancellationTokenSource(Limit);
        try
        {
            await submitter.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the submitter did not finish within {Limit}");
        }

        var text = await submitterOutput + await submitterErrors;
        output.WriteLine(text);
        Assert.True(submitter.ExitCode == 0, $"submitter exit code {submitter.ExitCode}:\n{text}");
        Assert.Equal(4, text.Split('\n').Count(l => l.Contains(": done on gpu-", StringComparison.Ordinal)));
        Assert.Equal(4, _emulators.Sum(e => e.TotalExecutions));
        Assert.False(workerA.HasExited || workerB.HasExited, "a worker exited before the jobs were done");
    }

    private Process Start(string urls, params string[] arguments)
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory);
        var root = testOutput;
        while (!File.Exists(Path.Combine(root.FullName, "ComfyUI.Reactive.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("repository root not found");
        }

        const string Sample = "ComfyUI.Reactive.Distributed";
        var dll = Path.Combine(root.FullName, "samples", Sample, "bin", testOutput.Parent!.Name, testOutput.Name, Sample + ".dll");
        Assert.True(File.Exists(dll), $"{dll} was not built");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["COMFYUI_URLS"] = urls;
        start.Environment["REDIS"] = redis.Server.EndPoint;
        var process = Process.Start(start)!;
        _processes.Add(process);
        return process;
    }
}
