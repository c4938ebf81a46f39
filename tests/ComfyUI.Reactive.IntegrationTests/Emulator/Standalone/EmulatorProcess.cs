using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace ComfyUI.Reactive.IntegrationTests.Emulator.Standalone;

/// <summary>The standalone emulator as a child process (the build next to this test assembly), as a script would start it.</summary>
internal sealed partial class EmulatorProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(30);
    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly TaskCompletionSource<Uri> listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private EmulatorProcess(Process process) => this.process = process;

    public Uri BaseAddress { get; private set; } = null!;

    public int Id => process.Id;

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public static async Task<EmulatorProcess> StartAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ComfyUI.Reactive.Emulator.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var child = new EmulatorProcess(new Process { StartInfo = start, EnableRaisingEvents = true });
        child.process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        child.process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        child.process.Exited += (_, _) => child.listening.TrySetException(new InvalidOperationException("the emulator exited before listening:\n" + child.Output));
        child.process.Start();
        child.process.BeginOutputReadLine();
        child.process.BeginErrorReadLine();
        child.BaseAddress = await child.listening.Task.WaitAsync(StartLimit);
        return child;
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }

        if (Listening().Match(line) is { Success: true } m)
        {
            listening.TrySetResult(new Uri(m.Groups[1].Value));
        }
    }

    /// <summary>Sends a POSIX signal (TERM, INT…) the way a process manager or a shell does.</summary>
    public async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Waits for the exit; returns the exit code and how long it took, or throws <see cref="TimeoutException"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan limit)
    {
        await process.WaitForExitAsync().WaitAsync(limit);
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    [GeneratedRegex(@"listening on (http://\S+/)")]
    private static partial Regex Listening();
}
