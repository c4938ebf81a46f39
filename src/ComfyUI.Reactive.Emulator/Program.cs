using System.Globalization;

namespace ComfyUI.Reactive.Emulator;

/// <summary>
/// Standalone mode: <c>dotnet run --project src/ComfyUI.Reactive.Emulator -- --port 8190 [--data-dir DIR]
/// [--step-ms 20] [--checkpoint name.safetensors]... [--node-delay ImageBlur=1000]...</c>
/// </summary>
/// <remarks>An explicit, internal entry point: with top-level statements the Web SDK would add a public
/// <c>Program</c> class to the package's API, which clashes with every consumer's own <c>Program</c>.</remarks>
internal static class StandaloneProgram
{
    public static async Task<int> Main(string[] args)
    {
        var port = 8188;
        string? dataDir = null;
        var stepMs = 20.0;
        var checkpoints = new List<string>();
        var delays = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--port":
                    port = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--data-dir":
                    dataDir = Next();
                    break;
                case "--step-ms":
                    stepMs = double.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--checkpoint":
                    checkpoints.Add(Next());
                    break;
                case "--node-delay":
                    var parts = Next().Split('=', 2);
                    delays[parts[0]] = TimeSpan.FromMilliseconds(double.Parse(parts[1], CultureInfo.InvariantCulture));
                    break;
                default:
                    Console.Error.WriteLine($"unknown argument {args[i]}");
                    return 2;
            }
        }

        var options = new ComfyEmulatorOptions
        {
            Port = port,
            DataDirectory = dataDir,
            SamplerStepTime = TimeSpan.FromMilliseconds(stepMs),
            Checkpoints = checkpoints.Count > 0 ? checkpoints : new ComfyEmulatorOptions().Checkpoints,
            NodeDelays = delays,
        };

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.TrySetResult();
        };
        AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.TrySetResult();

        var emulator = await ComfyEmulator.StartAsync(options).ConfigureAwait(false);
        await using var disposer = emulator.ConfigureAwait(false);
        Console.WriteLine($"ComfyUI emulator listening on {emulator.BaseAddress} (websocket {emulator.WebSocketAddress}); data in {emulator.DataDirectory}. Ctrl+C to stop.");
        await stop.Task.ConfigureAwait(false);
        return 0;
    }
}
