// Thirty jobs through one ComfyPool over three servers, with a live table of the servers (state, jobs in flight,
// jobs completed). Twenty jobs are SD 1.5 text-to-image, ten are image filters. On the embedded emulators the third
// server has no SD 1.5 checkpoint, so it only ever gets filter jobs (affinity), and the first server is killed
// mid-run and restarted: its jobs move to the others (failover) and every job still completes exactly once.
//
//   dotnet run --project samples/ComfyUI.Reactive.Pool                         three embedded emulators
//   dotnet run --project samples/ComfyUI.Reactive.Pool -- --no-failover        ... without killing one
//   COMFYUI_URLS=http://gpu1:8188,http://gpu2:8188 dotnet run --project samples/ComfyUI.Reactive.Pool
//
// Exit code 0 when all jobs completed, 1 when some failed, 2 when COMFYUI_URLS is not a list of http(s) URLs.
using System.Globalization;
using System.Reactive.Linq;
using System.Reflection;
using ComfyUI.Reactive;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Pooling;
using ComfyUI.Reactive.Workflows;
using Spectre.Console;

const int TextToImageJobs = 20;
const int FilterJobs = 10;
const int TotalJobs = TextToImageJobs + FilterJobs;
const string Sd15 = "v1-5-pruned-emaonly.safetensors";

var failover = !args.Contains("--no-failover");
var emulators = new List<ComfyEmulator>();
var servers = new List<(string Name, Uri Address, string Note)>();
if (Environment.GetEnvironmentVariable("COMFYUI_URLS") is { Length: > 0 } urls)
{
    foreach (var url in urls.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            AnsiConsole.MarkupLine($"[red]COMFYUI_URLS: '{Markup.Escape(url)}' is not an http(s) URL.[/]");
            return 2;
        }

        servers.Add(($"{address.Host}:{address.Port}", address, ""));
    }

    failover = false;   // never kill someone's real server
}
else
{
    // Two complete servers, and one without the SD 1.5 checkpoint: the pool never sends it a text-to-image job.
    var full = new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.FromMilliseconds(25), NodeDelays = FilterTime() };
    var noSd15 = new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.FromMilliseconds(25), NodeDelays = FilterTime(), Checkpoints = ["sdxl_base_1.0.safetensors"] };
    foreach (var (name, options, note) in new[] { ("gpu-1", full, "killed and restarted mid-run"), ("gpu-2", full, ""), ("gpu-3", noSd15, "no SD 1.5 checkpoint") })
    {
        var emulator = await ComfyEmulator.StartAsync(options);
        emulators.Add(emulator);
        servers.Add((name, emulator.BaseAddress, failover || name != "gpu-1" ? note : ""));
    }

    AnsiConsole.MarkupLine($"[grey]No COMFYUI_URLS set: started {emulators.Count} embedded emulators.[/]");
}

var clients = servers.Select(s => new ComfyClient(s.Address)).ToList();
try
{
    // Health probes every second, so a killed server leaves rotation quickly.
    await using var pool = new ComfyPool(new ComfyPoolOptions { HealthCheckInterval = TimeSpan.FromSeconds(1), HealthCheckTimeout = TimeSpan.FromSeconds(2) });
    var board = new Board(servers.Select(s => (s.Name, s.Note)));
    using var statuses = pool.Servers.Subscribe(board.OnStatus);
    for (var i = 0; i < servers.Count; i++)
    {
        pool.AddServer(clients[i], servers[i].Name);
    }

    var txt2img = Workflow.Parse(Assembly.GetExecutingAssembly().GetManifestResourceStream("txt2img_sd15.json")!)
        .Set("4.inputs.ckpt_name", Sd15)
        .Set("5.inputs.width", 256)
        .Set("5.inputs.height", 256)
        .Set("3.inputs.steps", 10);
    var filter = Workflow.Parse("""
        {"1": {"class_type": "EmptyImage", "inputs": {"width": 256, "height": 256, "batch_size": 1, "color": 0}},
         "2": {"class_type": "ImageBlur", "inputs": {"image": ["1", 0], "blur_radius": 3, "sigma": 1.5}},
         "3": {"class_type": "PreviewImage", "inputs": {"images": ["2", 0]}}}
        """);

    // Cold jobs: each is queued in the pool when it is subscribed (here, right away) and ends exactly once.
    var jobs = Enumerable.Range(0, TotalJobs)
        .Select(i => i < TextToImageJobs
            ? (Kind: "txt2img", Job: pool.Run(txt2img.Set("6.inputs.text", $"a lighthouse, study {i}").Set("3.inputs.seed", i)))
            : (Kind: "filter", Job: pool.Run(filter.Set("1.inputs.color", i * 0x050505))))
        .Select(j => Track(j.Kind, j.Job))
        .ToList();
    var all = Task.WhenAll(jobs);
    var chaos = failover ? KillAndRestartAsync(emulators[0], servers[0].Name) : Task.CompletedTask;

    if (AnsiConsole.Profile.Capabilities.Interactive)
    {
        await AnsiConsole.Live(board.Render()).StartAsync(async ctx =>
        {
            while (!all.IsCompleted || !chaos.IsCompleted)
            {
                await Task.WhenAny(Task.WhenAll(all, chaos), Task.Delay(100));   // a refresh tick, not a wait for a condition
                ctx.UpdateTarget(board.Render());
            }
        });
    }
    else
    {
        // Redirected output (CI, tests): the table once at the end, and every state change as a line meanwhile.
        board.PrintChanges = true;
        await Task.WhenAll(all, chaos);
        AnsiConsole.Write(board.Render());
    }

    var outcomes = await all;
    var completed = outcomes.Count(o => o.Result is not null);
    var failedOver = outcomes.Count(o => o.Result?.Pool?.Attempts > 1);
    AnsiConsole.WriteLine();
    foreach (var group in outcomes.Where(o => o.Result is not null).GroupBy(o => o.Result!.Pool!.Server.ToString()).OrderBy(g => g.Key, StringComparer.Ordinal))
    {
        AnsiConsole.MarkupLine($"{Markup.Escape(group.Key)}: {group.Count(o => o.Kind == "txt2img")} txt2img, {group.Count(o => o.Kind == "filter")} filter");
    }

    foreach (var failure in outcomes.Where(o => o.Error is not null))
    {
        AnsiConsole.MarkupLine($"[red]{failure.Kind} job failed: {Markup.Escape(failure.Error!.Message)}[/]");
    }

    AnsiConsole.MarkupLine($"{completed} of {TotalJobs} jobs completed; {failedOver} needed more than one attempt.");
    return completed == TotalJobs ? 0 : 1;

    async Task KillAndRestartAsync(ComfyEmulator victim, string name)
    {
        await board.WhenCompletedAsync(8);
        board.Note(name, "killed");
        board.Log($"{name} killed; its jobs move on");
        await victim.StopAsync();
        await board.WhenCompletedAsync(18);
        await victim.RestartAsync();
        board.Note(name, "restarted");
        board.Log($"{name} restarted; it rejoins when ready");
    }

    async Task<(string Kind, JobResult? Result, Exception? Error)> Track(string kind, PoolJob job)
    {
        try
        {
            var result = await job;
            board.OnCompleted(result.Pool!.Server);
            return (kind, result, null);
        }
        catch (ComfyException ex)
        {
            board.OnFailed();
            return (kind, null, ex);
        }
    }
}
finally
{
    foreach (var client in clients)
    {
        await client.DisposeAsync();
    }

    foreach (var emulator in emulators)
    {
        await emulator.DisposeAsync();
    }
}

// A filter job takes a visible moment on the emulators, like a real node computing.
static Dictionary<string, TimeSpan> FilterTime() => new() { ["ImageBlur"] = TimeSpan.FromMilliseconds(300) };

/// <summary>What the table shows, updated from the pool's streams (any thread) and rendered by the live display.</summary>
internal sealed class Board(IEnumerable<(string Name, string Note)> servers)
{
    private readonly Lock _lock = new();
    private readonly List<Row> _rows = [.. servers.Select(s => new Row(s.Name) { Note = s.Note })];
    private readonly List<(int Count, TaskCompletionSource Reached)> _waits = [];
    private readonly Queue<string> _log = new();
    private int _completed;
    private int _failed;

    public bool PrintChanges { get; set; }

    public void OnStatus(ServerStatus status)
    {
        bool changed;
        lock (_lock)
        {
            var row = _rows.First(r => r.Name == status.Server.ToString());
            changed = row.State != status.State;
            row.State = status.State;
            row.InFlight = status.InFlight;
        }

        if (changed && PrintChanges)
        {
            Console.WriteLine($"{status.Server}: {status.State}");
        }
    }

    public void OnCompleted(ServerId server)
    {
        lock (_lock)
        {
            _rows.First(r => r.Name == server.ToString()).Completed++;
            _completed++;
            foreach (var wait in _waits.Where(w => _completed >= w.Count))
            {
                wait.Reached.TrySetResult();
            }
        }
    }

    public void OnFailed()
    {
        lock (_lock)
        {
            _failed++;
        }
    }

    public void Note(string server, string note)
    {
        lock (_lock)
        {
            _rows.First(r => r.Name == server).Note = note;
        }
    }

    public void Log(string line)
    {
        lock (_lock)
        {
            _log.Enqueue(line);
            if (_log.Count > 4)
            {
                _log.Dequeue();
            }
        }

        if (PrintChanges)
        {
            Console.WriteLine(line);
        }
    }

    /// <summary>Completes once <paramref name="count"/> jobs have completed.</summary>
    public Task WhenCompletedAsync(int count)
    {
        lock (_lock)
        {
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_completed >= count)
            {
                reached.SetResult();
            }
            else
            {
                _waits.Add((count, reached));
            }

            return reached.Task;
        }
    }

    public Table Render()
    {
        lock (_lock)
        {
            var table = new Table().Border(TableBorder.Rounded)
                .AddColumn("server").AddColumn("state").AddColumn(new TableColumn("in flight").RightAligned())
                .AddColumn(new TableColumn("completed").RightAligned()).AddColumn("note");
            foreach (var row in _rows)
            {
                var state = row.State switch
                {
                    ServerState.Busy => "[green]Busy[/]",
                    ServerState.Ready => "[blue]Ready[/]",
                    ServerState.Unhealthy => "[red]Unhealthy[/]",
                    ServerState.Removed => "[grey]Removed[/]",
                    _ => "[yellow]Connecting[/]",
                };
                table.AddRow(Markup.Escape(row.Name), state, row.InFlight.ToString(CultureInfo.InvariantCulture), row.Completed.ToString(CultureInfo.InvariantCulture), Markup.Escape(row.Note));
            }

            table.Caption($"{_completed} completed, {_failed} failed" + (_log.Count > 0 ? "\n" + Markup.Escape(string.Join("\n", _log)) : ""));
            return table;
        }
    }

    private sealed class Row(string name)
    {
        public string Name { get; } = name;

        public ServerState State { get; set; } = ServerState.Connecting;

        public int InFlight { get; set; }

        public int Completed { get; set; }

        public string Note { get; set; } = "";
    }
}
