using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ComfyUI.Reactive.Benchmarks.RawProtocol;
using ComfyUI.Reactive.Emulator;

namespace ComfyUI.Reactive.Benchmarks.Emulator;

/// <summary>
/// Emulator throughput (docs/benchmarks.md, "Emulator throughput"; issue 3 asks for at least 2,000 prompts/s): the
/// emulator in-process, N raw websocket clients with feature flags, prompts posted with a raw HttpClient over loopback.
/// The graph is StringConcatenate -> PreviewAny (nodes that do no image work); <c>string_a</c> differs per prompt so
/// the output cache never turns a run into a no-op. A prompt is complete when its client sees
/// <c>executing {node: null}</c> for its prompt_id. No SDK code is involved, so the number is the emulator's.
/// </summary>
internal sealed class EmulatorThroughput
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> pending = new(StringComparer.Ordinal);
    private long completed;
    private long successes;
    private long frames;
    private SemaphoreSlim window = new(0);

    private int Clients { get; init; } = 4;

    private int InFlight { get; init; } = 64;

    private double WarmupSeconds { get; init; } = 3;

    private double Seconds { get; init; } = 10;

    private int MaxPrompts { get; init; } = 20_000;

    private int MaxHistory { get; init; } = new ComfyEmulatorOptions().MaxHistoryItems;

    public static async Task<int> RunAsync(string[] args)
    {
        EmulatorThroughput bench;
        try
        {
            bench = Parse(args);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            Console.Error.WriteLine(ex.Message);
            Console.Error.WriteLine("emulator [--clients 4] [--inflight 64] [--warmup 3] [--seconds 10] [--prompts 20000] [--history 10000]");
            return 2;
        }

        return await bench.RunAsync().ConfigureAwait(false);
    }

    private static EmulatorThroughput Parse(string[] args)
    {
        int clients = 4, inFlight = 64, prompts = 20_000, history = new ComfyEmulatorOptions().MaxHistoryItems;
        double warmup = 3, seconds = 10;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i - 1])
            {
                case "--clients": clients = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--inflight": inFlight = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--seconds": seconds = double.Parse(value, CultureInfo.InvariantCulture); break;
                case "--prompts": prompts = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--history": history = int.Parse(value, CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown argument {args[i - 1]}");
            }
        }

        return new EmulatorThroughput { Clients = clients, InFlight = inFlight, WarmupSeconds = warmup, Seconds = seconds, MaxPrompts = prompts, MaxHistory = history };
    }

    private async Task<int> RunAsync()
    {
        await using var comfy = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.Zero, MaxHistoryItems = MaxHistory }).ConfigureAwait(false);
        using var handler = new SocketsHttpHandler { UseProxy = false, AutomaticDecompression = DecompressionMethods.None };
        using var http = new HttpClient(handler) { BaseAddress = comfy.BaseAddress };
        using var stop = new CancellationTokenSource();

        var sockets = new List<ClientWebSocket>();
        var readers = new List<Task>();
        var clientIds = new List<string>();
        for (var c = 0; c < Clients; c++)
        {
            var id = "bench-" + c.ToString(CultureInfo.InvariantCulture);
            var socket = new ClientWebSocket();
            await socket.ConnectAsync(new Uri(comfy.WebSocketAddress + "?clientId=" + id), CancellationToken.None).ConfigureAwait(false);
            await socket.SendAsync("""{"type": "feature_flags", "data": {"supports_preview_metadata": true}}"""u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false);
            sockets.Add(socket);
            clientIds.Add(id);
            readers.Add(Task.Run(() => ReadLoopAsync(socket)));
        }

        Console.WriteLine($"emulator on {comfy.BaseAddress}; clients={Clients} inflight={InFlight} warmup={WarmupSeconds}s measured<= {Seconds}s or {MaxPrompts} prompts; history cap {MaxHistory}; graph StringConcatenate -> PreviewAny");

        // Submitters run for the whole benchmark; the phases only read the completion counter.
        window = new SemaphoreSlim(InFlight);
        long submitted = 0;
        var submitters = Enumerable.Range(0, Math.Min(InFlight, 16)).Select(i => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await window.WaitAsync(stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                var n = Interlocked.Increment(ref submitted);
                var promptId = Guid.NewGuid().ToString();
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                pending[promptId] = done;
                using var content = new ByteArrayContent(Body(promptId, clientIds[(int)(n % clientIds.Count)], n));
                content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
                using var response = await http.PostAsync(new Uri("/prompt", UriKind.Relative), content, CancellationToken.None).ConfigureAwait(false);
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"POST /prompt answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}");
                }

                await response.Content.CopyToAsync(Stream.Null).ConfigureAwait(false);
            }
        })).ToList();

        var clock = Stopwatch.StartNew();
        await WaitAsync(TimeSpan.FromSeconds(WarmupSeconds), submitters).ConfigureAwait(false);
        var warm = Interlocked.Read(ref completed);
        Console.WriteLine($"warm-up: {warm} prompts in {clock.Elapsed.TotalSeconds:F2} s");

        var startCount = Interlocked.Read(ref completed);
        var startFrames = Interlocked.Read(ref frames);
        var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        clock.Restart();
        var deadline = TimeSpan.FromSeconds(Seconds);
        var nextReport = 1.0;
        var lastReport = startCount;
        while (clock.Elapsed < deadline && Interlocked.Read(ref completed) - startCount < MaxPrompts)
        {
            if (submitters.FirstOrDefault(t => t.IsFaulted) is { } failed)
            {
                await failed.ConfigureAwait(false);
            }

            await Task.Delay(5).ConfigureAwait(false);
            if (clock.Elapsed.TotalSeconds >= nextReport)
            {
                var now = Interlocked.Read(ref completed);
                Console.WriteLine(FormattableString.Invariant($"  t={clock.Elapsed.TotalSeconds:F1}s +{now - lastReport} prompts, gen0={GC.CollectionCount(0)} gen1={GC.CollectionCount(1)} gen2={GC.CollectionCount(2)} heap={GC.GetTotalMemory(false) >> 20} MB"));
                lastReport = now;
                nextReport += 1;
            }
        }

        var elapsed = clock.Elapsed.TotalSeconds;
        var count = Interlocked.Read(ref completed) - startCount;
        var frameCount = Interlocked.Read(ref frames) - startFrames;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalSeconds;
        await stop.CancelAsync().ConfigureAwait(false);
        window.Release(InFlight);
        await Task.WhenAll(submitters).ConfigureAwait(false);

        // Drain what is still running so every submitted prompt is accounted for.
        var drained = Task.WhenAll(pending.Values.Select(p => p.Task));
        await drained.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        foreach (var s in sockets)
        {
            await s.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(false);
        }

        await Task.WhenAll(readers).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        foreach (var s in sockets)
        {
            s.Dispose();
        }

        var total = Interlocked.Read(ref completed);
        if (Interlocked.Read(ref successes) != total || comfy.TotalExecutions != total)
        {
            Console.Error.WriteLine($"inconsistent: completed={total} execution_success={successes} executions={comfy.TotalExecutions}");
            return 1;
        }

        Console.WriteLine($"frames/prompt={(double)frameCount / count:F1} process_cpu_seconds={cpu:F2} (of {Environment.ProcessorCount} cores x {elapsed:F2} s)");
        Console.WriteLine(FormattableString.Invariant($"prompts={count} seconds={elapsed:F2} prompts_per_second={count / elapsed:F0}"));
        return 0;
    }

    private static async Task WaitAsync(TimeSpan duration, List<Task> submitters)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            if (submitters.FirstOrDefault(t => t.IsFaulted) is { } failed)
            {
                await failed.ConfigureAwait(false);
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    private static byte[] Body(string promptId, string clientId, long n) => Encoding.UTF8.GetBytes(
        $$$$"""{"prompt": {"1": {"class_type": "StringConcatenate", "inputs": {"string_a": "prompt {{{{n}}}}", "string_b": "ComfyUI", "delimiter": " "}}, "2": {"class_type": "PreviewAny", "inputs": {"source": ["1", 0]}}}, "client_id": "{{{{clientId}}}}", "prompt_id": "{{{{promptId}}}}"}""");

    private Task ReadLoopAsync(ClientWebSocket socket) => RawMessageReader.ReadAllAsync(socket, (type, message) =>
    {
        Interlocked.Increment(ref frames);
        if (type == WebSocketMessageType.Text)
        {
            Handle(message.Span);
        }
    });

    /// <summary>Reads <c>type</c>, <c>data.node</c> (null or not) and <c>data.prompt_id</c> of a message.</summary>
    private void Handle(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        string? type = null, promptId = null;
        var nodeIsNull = false;
        var hasNode = false;
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                type = reader.GetString();
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("node"u8))
                    {
                        reader.Read();
                        hasNode = true;
                        nodeIsNull = reader.TokenType == JsonTokenType.Null;
                    }
                    else if (reader.ValueTextEquals("prompt_id"u8))
                    {
                        reader.Read();
                        promptId = reader.GetString();
                    }
                    else
                    {
                        reader.Read();
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (type == "execution_success")
        {
            Interlocked.Increment(ref successes);
        }
        else if (type == "executing" && hasNode && nodeIsNull && promptId is not null && pending.TryRemove(promptId, out var done))
        {
            Interlocked.Increment(ref completed);
            done.TrySetResult();
            window.Release();
        }
    }
}
