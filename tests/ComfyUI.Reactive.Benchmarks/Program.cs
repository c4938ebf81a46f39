using BenchmarkDotNet.Running;
using ComfyUI.Reactive.Benchmarks.Decoding;
using ComfyUI.Reactive.Benchmarks.Distributed;
using ComfyUI.Reactive.Benchmarks.Emulator;
using ComfyUI.Reactive.Benchmarks.Jobs;
using ComfyUI.Reactive.Benchmarks.Pool;
using ComfyUI.Reactive.Benchmarks.WholeProcess;
using ComfyUI.Reactive.Benchmarks.Soak;

// dotnet run -c Release --project tests/ComfyUI.Reactive.Benchmarks -- <mode> [BenchmarkDotNet arguments]
// One case per mode; arguments after the mode go to the mode (for BenchmarkDotNet modes: --filter, --job, ...).
var mode = args.Length > 0 ? args[0] : string.Empty;
var modeArgs = args.Length > 1 ? args[1..] : [];

switch (mode)
{
    case "decode":
        BenchmarkRunner.Run<FrameDecodingBenchmarks>(args: modeArgs);
        return 0;

    case "queue":
        BenchmarkRunner.Run<QueueReadingBenchmarks>(args: modeArgs);
        return 0;

    case "node-map":
        BenchmarkRunner.Run<NodeMapBenchmarks>(args: modeArgs);
        return 0;

    case "emulator":
        return await EmulatorThroughput.RunAsync(modeArgs);

    case "jobs":
        return await JobOverhead.RunAsync(modeArgs);

    case "jobs-memory":
        return await JobMemory.RunAsync(modeArgs);

    case "pool":
        return await PoolThroughput.RunAsync(modeArgs);

    case "soak":
        return await FaultSoak.RunAsync(modeArgs);

    case "process":
        return await ProcessCost.RunAsync(modeArgs);

    case "distributed":
        return await DistributedSoak.RunAsync(modeArgs);

    case "distributed-child":
        return await DistributedChild.RunAsync(modeArgs);

    case "process-child":
        return await ProcessCost.RunChildAsync(modeArgs);

    default:
        Console.Error.WriteLine("Usage: dotnet run -c Release --project tests/ComfyUI.Reactive.Benchmarks -- <mode> [options]");
        Console.Error.WriteLine("Modes:");
        Console.Error.WriteLine("  decode   frame decoding (text and binary websocket frames), BenchmarkDotNet");
        Console.Error.WriteLine("  queue    reading GET /queue of a busy server: complete vs ids only, BenchmarkDotNet");
        Console.Error.WriteLine("  node-map the job state's per-node maps over a run: NodeMap vs ImmutableDictionary, BenchmarkDotNet");
        Console.Error.WriteLine("  emulator emulator throughput over loopback, raw HttpClient + ClientWebSocket [--clients 4] [--inflight 64] [--warmup 3] [--seconds 10] [--prompts 20000] [--history 10000]");
        Console.Error.WriteLine("  jobs     SDK overhead per job vs the raw protocol on the emulator, sequential and concurrent [--sequential 500] [--warmup 100] [--concurrent 3000] [--inflight 64]");
        Console.Error.WriteLine("  jobs-memory  retained memory per in-flight tracked job, and after 100,000 completed jobs [--inflight 10000] [--churn 100000]");
        Console.Error.WriteLine("  pool     4 emulators, 800 jobs of 100 ms through one ComfyPool: efficiency and server-side idle gaps [--servers 4] [--jobs 800] [--job-ms 100] [--warmup 8] [--capacity N]");
        Console.Error.WriteLine("  process  whole-process cost: a raw-protocol client and the SDK pool as separate processes, interleaved [--servers 3] [--job-ms 200] [--jobs 0,120,1000] [--repeats 3] [--kinds raw,sdk] [--child-env NAME=VALUE]...");
        Console.Error.WriteLine("  distributed  3 app processes sharing 3 emulators through one redis-server, 1,000 jobs, one process SIGKILLed and restarted, Redis restarted [--jobs 1000] [--processes 3] [--servers 3] [--deadline-s 300]");
        Console.Error.WriteLine("  soak     fault soak: 3 emulators, 1,000 jobs through one ComfyPool, a random fault every few seconds [--jobs 1000] [--servers 3] [--seed N] [--min-job-ms 20] [--max-job-ms 100] [--min-gap-ms 1500] [--max-gap-ms 3500] [--deadline-s 180] [--max-attempts N]");
        return 2;
}
