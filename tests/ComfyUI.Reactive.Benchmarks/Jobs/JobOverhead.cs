using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using ComfyUI.Reactive.Benchmarks.RawProtocol;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Benchmarks.Jobs;

/// <summary>
/// SDK overhead per job (docs/benchmarks.md, "Jobs: SDK overhead"): the in-process emulator with zero-time nodes, the
/// graph StringConcatenate -> PreviewAny with a different <c>string_a</c> per job (so nothing comes from the cache).
/// The same prompts are run once through raw protocol code (HttpClient POST, ClientWebSocket waiting for
/// <c>executing {node: null}</c> of the prompt id) and once through <c>await comfy.Run(wf)</c>; the difference is what the
/// SDK adds. Sequential runs give latency (median, p95); a window of concurrent jobs gives throughput.
/// </summary>
internal sealed class JobOverhead
{
    private const string Template = """
        {"1": {"class_type": "StringConcatenate", "inputs": {"string_a": "x", "string_b": "ComfyUI", "delimiter": " "}},
         "2": {"class_type": "PreviewAny", "inputs": {"source": ["1", 0]}}}
        """;

    private long _counter;

    private int Sequential { get; init; } = 500;

    private int Warmup { get; init; } = 100;

    private int Concurrent { get; init; } = 3000;

    private int InFlight { get; init; } = 64;

    public static async Task<int> RunAsync(string[] args)
    {
        JobOverhead bench;
        try
        {
            bench = Parse(args);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            Console.Error.WriteLine(ex.Message);
            Console.Error.WriteLine("jobs [--sequential 500] [--warmup 100] [--concurrent 3000] [--inflight 64]");
            return 2;
        }

        return await bench.RunAsync().ConfigureAwait(false);
    }

    private static JobOverhead Parse(string[] args)
    {
        int sequential = 500, warmup = 100, concurrent = 3000, inFlight = 64;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i - 1])
            {
                case "--sequential": sequential = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--concurrent": concurrent = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--inflight": inFlight = int.Parse(value, CultureInfo.InvariantCulture); break;
                default: throw new ArgumentException($"unknown argument {args[i - 1]}");
            }
        }

        return new JobOverhead { Sequential = sequential, Warmup = warmup, Concurrent = concurrent, InFlight = inFlight };
    }

    private async Task<int> RunAsync()
    {
        await using var emulator = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.Zero }).ConfigureAwait(false);
        Console.WriteLine($"emulator on {emulator.BaseAddress}; graph StringConcatenate -> PreviewAny, zero-time nodes; " +
            $"sequential={Sequential} (after {Warmup} warm-up) concurrent={Concurrent} inflight={InFlight}");
        var template = Workflow.Parse(Template);
        var expected = 0L;

        // Sequential latency. Raw first and last, so drift of the shared machine shows.
        var rows = new List<string>();
        await using (var raw = await RawClient.StartAsync(emulator).ConfigureAwait(false))
        {
            rows.Add(Row("raw protocol", await MeasureSequentialAsync(() => raw.Prepare(NextText())).ConfigureAwait(false)));
        }

        foreach (var (name, validate, track) in new[]
        {
            ("SDK, defaults (validate on, queue position on)", true, true),
            ("SDK, ValidateBeforeSubmit off", false, true),
            ("SDK, TrackQueuePosition off", true, false),
            ("SDK, both off", false, false),
        })
        {
            await using var comfy = new ComfyClient(new ComfyClientOptions { BaseAddress = emulator.BaseAddress });
            var options = new JobOptions { ValidateBeforeSubmit = validate, TrackQueuePosition = track };
            rows.Add(Row(name, await MeasureSequentialAsync(() => PrepareSdk(comfy, template, options)).ConfigureAwait(false)));
        }

        await using (var raw = await RawClient.StartAsync(emulator).ConfigureAwait(false))
        {
            rows.Add(Row("raw protocol (again)", await MeasureSequentialAsync(() => raw.Prepare(NextText())).ConfigureAwait(false)));
        }

        expected += 6 * (Warmup + Sequential);
        Console.WriteLine();
        Console.WriteLine("sequential, one job at a time (submit -> result), microseconds:");
        Console.WriteLine("| variant | median | p95 | mean | CPU/job |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        rows.ForEach(Console.WriteLine);

        // Throughput with a window of jobs in flight.
        Console.WriteLine();
        Console.WriteLine($"concurrent, {InFlight} in flight, {Concurrent} jobs:");
        Console.WriteLine("| variant | jobs/s | CPU/job (us) |");
        Console.WriteLine("|---|---:|---:|");
        await using (var raw = await RawClient.StartAsync(emulator).ConfigureAwait(false))
        {
            Console.WriteLine(ThroughputRow("raw protocol", await MeasureConcurrentAsync(() => raw.Prepare(NextText())).ConfigureAwait(false)));
        }

        foreach (var (name, validate, track) in new[] { ("SDK, defaults", true, true), ("SDK, both off", false, false) })
        {
            await using var comfy = new ComfyClient(new ComfyClientOptions { BaseAddress = emulator.BaseAddress });
            var options = new JobOptions { ValidateBeforeSubmit = validate, TrackQueuePosition = track };
            Console.WriteLine(ThroughputRow(name, await MeasureConcurrentAsync(() => PrepareSdk(comfy, template, options)).ConfigureAwait(false)));
        }

        expected += 3 * (Warmup + Concurrent);
        if (emulator.TotalExecutions != expected)
        {
            Console.Error.WriteLine($"inconsistent: executions={emulator.TotalExecutions} expected={expected}");
            return 1;
        }

        Console.WriteLine($"executions={emulator.TotalExecutions} (all jobs really executed, none cached)");
        return 0;
    }

    private string NextText() => "prompt " + Interlocked.Increment(ref _counter).ToString(CultureInfo.InvariantCulture);

    /// <summary>Builds the job's workflow (the caller's work, outside the timing) and returns the timed part.</summary>
    private Func<Task> PrepareSdk(ComfyClient comfy, Workflow template, JobOptions options)
    {
        var wf = template.Set("1.inputs.string_a", NextText());
        return async () =>
        {
            var result = await comfy.Run(wf, options);
            if (result.Outputs.Count != 1)
            {
                throw new InvalidOperationException("unexpected result shape");
            }
        };
    }

    private async Task<Measurement> MeasureSequentialAsync(Func<Func<Task>> prepare)
    {
        for (var i = 0; i < Warmup; i++)
        {
            await prepare()().ConfigureAwait(false);
        }

        var samples = new double[Sequential];
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var total = Stopwatch.StartNew();
        for (var i = 0; i < Sequential; i++)
        {
            var job = prepare();
            var start = Stopwatch.GetTimestamp();
            await job().ConfigureAwait(false);
            samples[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
        }

        var elapsed = total.Elapsed;
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        Array.Sort(samples);
        return new Measurement(
            samples[samples.Length / 2], samples[(int)Math.Ceiling(0.95 * samples.Length) - 1], samples.Average(),
            cpuUsed.TotalMicroseconds / Sequential, Sequential / elapsed.TotalSeconds);
    }

    private async Task<Measurement> MeasureConcurrentAsync(Func<Func<Task>> prepare)
    {
        await Window(Warmup).ConfigureAwait(false);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        await Window(Concurrent).ConfigureAwait(false);
        var elapsed = clock.Elapsed;
        var cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - cpu;
        return new Measurement(0, 0, 0, cpuUsed.TotalMicroseconds / Concurrent, Concurrent / elapsed.TotalSeconds);

        async Task Window(int count)
        {
            var next = 0;
            var workers = Enumerable.Range(0, InFlight).Select(async _ =>
            {
                while (Interlocked.Increment(ref next) <= count)
                {
                    await prepare()().ConfigureAwait(false);
                }
            });
            await Task.WhenAll(workers).ConfigureAwait(false);
        }
    }

    private static string Row(string name, Measurement m) =>
        FormattableString.Invariant($"| {name} | {m.Median:F0} | {m.P95:F0} | {m.Mean:F0} | {m.CpuPerJob:F0} |");

    private static string ThroughputRow(string name, Measurement m) =>
        FormattableString.Invariant($"| {name} | {m.JobsPerSecond:F0} | {m.CpuPerJob:F0} |");

    private sealed record Measurement(double Median, double P95, double Mean, double CpuPerJob, double JobsPerSecond);

    /// <summary>The raw protocol: one ClientWebSocket reading every frame, prompts posted with HttpClient.</summary>
    private sealed class RawClient : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _pending = new(StringComparer.Ordinal);
        private readonly ClientWebSocket _socket = new();
        private readonly SocketsHttpHandler _handler = new() { UseProxy = false, AutomaticDecompression = DecompressionMethods.None };
        private readonly HttpClient _http;
        private readonly string _clientId = "raw-" + Guid.NewGuid().ToString("N");
        private Task _reader = Task.CompletedTask;

        private RawClient(ComfyEmulator emulator)
        {
            _http = new HttpClient(_handler) { BaseAddress = emulator.BaseAddress };
        }

        public static async Task<RawClient> StartAsync(ComfyEmulator emulator)
        {
            var client = new RawClient(emulator);
            await client._socket.ConnectAsync(new Uri(emulator.WebSocketAddress + "?clientId=" + client._clientId), CancellationToken.None).ConfigureAwait(false);
            await client._socket.SendAsync("""{"type": "feature_flags", "data": {"supports_preview_metadata": true}}"""u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None).ConfigureAwait(false);
            client._reader = Task.Run(client.ReadLoopAsync);
            return client;
        }

        /// <summary>Builds the body (outside the timing) and returns the timed part: POST, then wait for the end frame.</summary>
        public Func<Task> Prepare(string text)
        {
            var promptId = Guid.NewGuid().ToString();
            var body = Encoding.UTF8.GetBytes(
                $$$$"""{"prompt": {"1": {"class_type": "StringConcatenate", "inputs": {"string_a": "{{{{text}}}}", "string_b": "ComfyUI", "delimiter": " "}}, "2": {"class_type": "PreviewAny", "inputs": {"source": ["1", 0]}}}, "client_id": "{{{{_clientId}}}}", "prompt_id": "{{{{promptId}}}}"}""");
            return () => RunAsync(promptId, body);
        }

        private async Task RunAsync(string promptId, byte[] body)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending[promptId] = done;
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            using var response = await _http.PostAsync(new Uri("/prompt", UriKind.Relative), content, CancellationToken.None).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"POST /prompt answered {(int)response.StatusCode}");
            }

            await response.Content.CopyToAsync(Stream.Null).ConfigureAwait(false);
            await done.Task.ConfigureAwait(false);
        }

        public async ValueTask DisposeAsync()
        {
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).ConfigureAwait(false);
            await _reader.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            _socket.Dispose();
            _http.Dispose();
            _handler.Dispose();
        }

        private Task ReadLoopAsync() => RawMessageReader.ReadAllAsync(_socket, (type, message) =>
        {
            if (type == WebSocketMessageType.Text && FinishedPrompt(message) is { } id && _pending.TryRemove(id, out var done))
            {
                done.TrySetResult();
            }
        });

        /// <summary>The prompt id of an <c>executing {node: null}</c> message, else null.</summary>
        private static string? FinishedPrompt(ReadOnlyMemory<byte> json)
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            return root.GetProperty("type").ValueEquals("executing"u8) && root.TryGetProperty("data", out var data) &&
                data.TryGetProperty("node", out var node) && node.ValueKind == JsonValueKind.Null &&
                data.TryGetProperty("prompt_id", out var id) ? id.GetString() : null;
        }
    }
}
