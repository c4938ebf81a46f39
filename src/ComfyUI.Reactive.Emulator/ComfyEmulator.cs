using System.Collections.Concurrent;
using ComfyUI.Reactive.Emulator.Execution;
using ComfyUI.Reactive.Emulator.Faults;
using ComfyUI.Reactive.Emulator.Files;
using ComfyUI.Reactive.Emulator.Server;

namespace ComfyUI.Reactive.Emulator;

/// <summary>
/// A protocol-faithful ComfyUI server on 127.0.0.1 that needs no GPU: the real routes (with and without <c>/api</c>),
/// websocket messages in the recorded order, the same validation errors, real PNG outputs, and fault injection.
/// </summary>
/// <example>
/// <code>
/// await using var comfy = await ComfyEmulator.StartAsync();
/// using var http = new HttpClient { BaseAddress = comfy.BaseAddress };
/// var stats = await http.GetStringAsync("/api/system_stats");
/// </code>
/// </example>
public sealed class ComfyEmulator : IAsyncDisposable
{
    private readonly ComfyEmulatorOptions options;
    private readonly Nodes.NodeSet nodes;
    private readonly FileStore files;
    private readonly bool ownsDataDirectory;
    private readonly ConcurrentDictionary<string, int> executions = new(StringComparer.Ordinal);
    private readonly ExecutionLog log;
    private readonly SemaphoreSlim lifecycle = new(1, 1);
    private EmulatorHost? host;
    private long executionsBeforeRestart;
    private readonly CancellationTokenSource disposing = new();
    private readonly object restartGate = new();
    private Task pendingRestart = Task.CompletedTask;

    private ComfyEmulator(ComfyEmulatorOptions options, Nodes.NodeSet nodes, FileStore files, bool ownsDataDirectory)
    {
        this.options = options;
        this.nodes = nodes;
        this.files = files;
        this.ownsDataDirectory = ownsDataDirectory;
        log = new ExecutionLog(options.MaxHistoryItems);
    }

    /// <summary>The fault-injection knobs.</summary>
    public EmulatorFaults Faults { get; } = new();

    /// <summary>The HTTP base address, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The websocket address <c>ws://127.0.0.1:port/ws</c> (append <c>?clientId=…</c>).</summary>
    public Uri WebSocketAddress => new($"ws://127.0.0.1:{Port}/ws");

    /// <summary>The port being served (kept across <see cref="RestartAsync"/>).</summary>
    public int Port { get; private set; }

    /// <summary>The folder holding <c>input/</c>, <c>output/</c> and <c>temp/</c>.</summary>
    public string DataDirectory => files.Root;

    /// <summary>True while the server accepts connections.</summary>
    public bool IsRunning => host is not null;

    /// <summary>How many prompts the worker has started, over the emulator's whole life (restarts included).</summary>
    public long TotalExecutions => executionsBeforeRestart + (host?.State.Executor.TotalExecutions ?? 0);

    /// <summary>How many websocket clients are registered right now.</summary>
    public int ConnectedClients => host?.State.Hub.Count ?? 0;

    /// <summary>How many times the prompt with this id was started (0 if never; more than 1 when an id was reused).</summary>
    /// <param name="promptId">The prompt id.</param>
    /// <returns>The execution count.</returns>
    public int GetExecutionCount(string promptId) => executions.TryGetValue(promptId, out var n) ? n : 0;

    /// <summary>
    /// The worker's timeline, oldest first: each execution's start and end on the server's clock (restarts included; the
    /// most recent <see cref="ComfyEmulatorOptions.MaxHistoryItems"/> are kept). The gap between one execution's end and
    /// the next one's start is how long the server sat idle, measured where a GPU would idle, not guessed by a client.
    /// </summary>
    /// <returns>A snapshot; a prompt still running is not in it yet.</returns>
    public IReadOnlyList<EmulatorExecution> GetExecutions() => log.Snapshot();

    /// <summary>Starts an emulator on 127.0.0.1 (a free port unless <see cref="ComfyEmulatorOptions.Port"/> is set) and returns once it accepts connections.</summary>
    /// <param name="options">Settings; null for defaults.</param>
    /// <param name="ct">Cancels the start.</param>
    /// <returns>The running emulator; dispose it to stop it.</returns>
    public static async Task<ComfyEmulator> StartAsync(ComfyEmulatorOptions? options = null, CancellationToken ct = default)
    {
        options ??= new ComfyEmulatorOptions();
        options.Validate();
        // Parsed once: restarts reuse it, and a broken object_info fails here rather than on the first request.
        var nodes = options.ObjectInfoJson is { } json ? Nodes.NodeSet.FromJson(json) : Nodes.NodeSet.BuiltIn;
        var owns = options.DataDirectory is null;
        var root = options.DataDirectory ?? Path.Combine(Path.GetTempPath(), "comfyui-emulator-" + Guid.NewGuid().ToString("N"));
        var emulator = new ComfyEmulator(options, nodes, new FileStore(root), owns);
        emulator.files.ClearTemp();
        try
        {
            await emulator.StartHostAsync(options.Port, ct).ConfigureAwait(false);
        }
        catch
        {
            await emulator.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return emulator;
    }

    private async Task StartHostAsync(int port, CancellationToken ct)
    {
        Faults.Clock = () => options.TimeProvider.GetUtcNow();
        var state = new EmulatorState(options, nodes, Faults, files, executions, log);
        state.RequestRestart = ScheduleRestart;
        host = await EmulatorHost.StartAsync(state, port, ct).ConfigureAwait(false);
        Port = host.Port;
        BaseAddress = new Uri($"http://127.0.0.1:{Port}/");
    }

    /// <summary>
    /// Stops serving, like a killed server process: sockets drop, the port refuses connections, the running prompt is
    /// abandoned. Files on disk stay; queue, history and cache are lost. <see cref="RestartAsync"/> brings it back.
    /// </summary>
    /// <param name="ct">Cancels the wait.</param>
    /// <returns>A task that completes when the server is down.</returns>
    public async Task StopAsync(CancellationToken ct = default)
    {
        await lifecycle.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (host is { } h)
            {
                executionsBeforeRestart += h.State.Executor.TotalExecutions;
                host = null;
                await h.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            lifecycle.Release();
        }
    }

    /// <summary>Stops (if running) and starts again on the same port with fresh in-memory state, as a restarted ComfyUI would; temp files are cleared.</summary>
    /// <param name="ct">Cancels the restart.</param>
    /// <returns>A task that completes when the server accepts connections again.</returns>
    public async Task RestartAsync(CancellationToken ct = default)
    {
        await StopAsync(ct).ConfigureAwait(false);
        await lifecycle.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            files.ClearTemp();
            await StartHostAsync(Port, ct).ConfigureAwait(false);
        }
        finally
        {
            lifecycle.Release();
        }
    }

    /// <summary>The restart last asked for over the admin route, completed once the server accepts connections again
    /// (tests await it instead of polling the port).</summary>
    internal Task PendingRestart
    {
        get
        {
            lock (restartGate)
            {
                return pendingRestart;
            }
        }
    }

    /// <summary>
    /// A restart asked for over the admin route: it cannot run inside that request (stopping waits for requests to end),
    /// so it runs beside it; the downtime is simulated on purpose (the port refuses connections meanwhile).
    /// </summary>
    private void ScheduleRestart(TimeSpan downtime)
    {
        var token = disposing.Token;
        lock (restartGate)
        {
            pendingRestart = pendingRestart.ContinueWith(
                async _ =>
                {
                    await StopAsync(token).ConfigureAwait(false);
                    if (downtime > TimeSpan.Zero)
                    {
                        await Task.Delay(downtime, options.TimeProvider, token).ConfigureAwait(false);
                    }

                    await RestartAsync(token).ConfigureAwait(false);
                },
                CancellationToken.None,
                TaskContinuationOptions.None,
                TaskScheduler.Default).Unwrap();
        }
    }

    /// <summary>Stops the server and deletes its data folder if the emulator created it.</summary>
    /// <returns>A task that completes when everything is released.</returns>
    public async ValueTask DisposeAsync()
    {
        await disposing.CancelAsync().ConfigureAwait(false);
        try
        {
            await pendingRestart.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await StopAsync().ConfigureAwait(false);
        disposing.Dispose();
        Faults.ReleaseHungNodes();
        lifecycle.Dispose();
        if (ownsDataDirectory)
        {
            try
            {
                Directory.Delete(files.Root, recursive: true);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
