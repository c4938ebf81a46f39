using BenchmarkDotNet.Running;
using ComfyUI.Reactive.Benchmarks.Decoding;
using ComfyUI.Reactive.Benchmarks.Emulator;

// dotnet run -c Release --project tests/ComfyUI.Reactive.Benchmarks -- <mode> [BenchmarkDotNet arguments]
// One case per mode; arguments after the mode go to the mode (for BenchmarkDotNet modes: --filter, --job, ...).
var mode = args.Length > 0 ? args[0] : string.Empty;
var modeArgs = args.Length > 1 ? args[1..] : [];

switch (mode)
{
    case "decode":
        BenchmarkRunner.Run<FrameDecodingBenchmarks>(args: modeArgs);
        return 0;

    case "emulator":
        return await EmulatorThroughput.RunAsync(modeArgs);

    default:
        Console.Error.WriteLine("Usage: dotnet run -c Release --project tests/ComfyUI.Reactive.Benchmarks -- <mode> [options]");
        Console.Error.WriteLine("Modes:");
        Console.Error.WriteLine("  decode   frame decoding (text and binary websocket frames), BenchmarkDotNet");
        Console.Error.WriteLine("  emulator emulator throughput over loopback, raw HttpClient + ClientWebSocket [--clients 4] [--inflight 64] [--warmup 3] [--seconds 10] [--prompts 20000] [--history 10000]");
        return 2;
}
