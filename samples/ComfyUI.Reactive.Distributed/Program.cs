// Several processes sharing ComfyUI servers through Redis (docs/distributed.md): workers lease the servers and run the
// jobs, a submitter enqueues jobs and observes them wherever they run. Kill a worker mid-run (kill -9, or Ctrl+C twice):
// the other worker takes its servers over after the lease expires, re-attaches to its prompts after ClaimIdle, and the
// submitter still sees every result once.
//
//   redis-server --port 6379 --appendonly yes                                  (Debian: apt-get install redis-server)
//   dotnet run --project samples/ComfyUI.Reactive.Distributed -- emulators 8301 8302   two embedded ComfyUI servers
//   export COMFYUI_URLS=http://127.0.0.1:8301,http://127.0.0.1:8302                     (or real servers)
//   dotnet run --project samples/ComfyUI.Reactive.Distributed -- worker a                in a second terminal
//   dotnet run --project samples/ComfyUI.Reactive.Distributed -- worker b                in a third one
//   dotnet run --project samples/ComfyUI.Reactive.Distributed -- submit 10               in a fourth one
//
// REDIS (default 127.0.0.1:6379) is a StackExchange.Redis configuration string (password=..., ssl=true, ...).
// Exit code 0 on success, 1 when a job failed, 2 on bad arguments, 3 when Redis is unreachable.
using System.Globalization;
using System.Reactive.Linq;
using System.Reflection;
using ComfyUI.Reactive;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Redis;
using ComfyUI.Reactive.Workflows;
using StackExchange.Redis;

var mode = args.FirstOrDefault();
if (mode == "emulators")
{
    var emulators = new List<ComfyEmulator>();
    foreach (var port in args.Skip(1).Select(p => int.Parse(p, CultureInfo.InvariantCulture)))
    {
        emulators.Add(await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { Port = port, SamplerStepTime = TimeSpan.FromMilliseconds(100) }));
        Console.WriteLine($"emulator on {emulators[^1].BaseAddress}");
    }

    await WaitForCtrlCAsync();
    foreach (var emulator in emulators)
    {
        await emulator.DisposeAsync();
    }

    return 0;
}

if (mode is not ("worker" or "submit") || args.Length < 2)
{
    Console.Error.WriteLine("usage: emulators <port>... | worker <name> | submit <count>   (COMFYUI_URLS, REDIS)");
    return 2;
}

var servers = (Environment.GetEnvironmentVariable("COMFYUI_URLS") ?? string.Empty)
    .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
    .Select(url => new Uri(url))
    .ToList();
if (servers.Count == 0)
{
    Console.Error.WriteLine("COMFYUI_URLS must list the servers, e.g. http://127.0.0.1:8301,http://127.0.0.1:8302");
    return 2;
}

RedisComfyPool pool;
try
{
    pool = await RedisComfyPool.ConnectAsync(new RedisPoolOptions
    {
        Redis = ConfigurationOptions.Parse(Environment.GetEnvironmentVariable("REDIS") ?? "127.0.0.1:6379"),
        ProcessName = mode == "worker" ? $"worker-{args[1]}" : null,
        DriveServers = mode == "worker",
        LeaseDuration = TimeSpan.FromSeconds(6),
        LeaseRenewInterval = TimeSpan.FromSeconds(2),
        ClaimIdle = TimeSpan.FromSeconds(5),
        HeartbeatInterval = TimeSpan.FromSeconds(1),
    });
}
catch (ComfyRedisUnavailableException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 3;
}

await using (pool)
{
    // Every process gets every server under the same name: leases decide who drives which.
    foreach (var (url, i) in servers.Select((u, i) => (u, i)))
    {
        pool.AddServer($"gpu-{i}", new ComfyClientOptions { BaseAddress = url });
    }

    if (mode == "worker")
    {
        pool.Pool.Servers.Subscribe(s => Console.WriteLine($"[{pool.ProcessName}] {s.Server}: {s.State}, {s.InFlight} in flight"));
        Console.WriteLine($"[{pool.ProcessName}] working; Ctrl+C finishes the jobs held here, a second Ctrl+C hands them over");
        await WaitForCtrlCAsync();
        using var again = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            again.Cancel();
        };
        try
        {
            await pool.DrainAsync(again.Token);
        }
        catch (OperationCanceledException)
        {
            Console.WriteLine($"[{pool.ProcessName}] leaving: the jobs held here are handed over to the other workers");
        }

        return 0;
    }

    var count = int.Parse(args[1], CultureInfo.InvariantCulture);
    using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("txt2img_sd15.json")!;
    var workflow = Workflow.Parse(stream);
    var ids = new List<ComfyUI.Reactive.Registry.JobId>();
    for (var i = 0; i < count; i++)
    {
        ids.Add(await pool.EnqueueAsync(workflow.Set("3.inputs.seed", 1000 + i)));
    }

    Console.WriteLine($"enqueued {count} jobs; observing them wherever they run");
    var results = await Task.WhenAll(ids.Select(async id =>
    {
        try
        {
            var completed = (JobCompleted)await pool.Observe(id).LastAsync();
            Console.WriteLine($"job {id}: done on {completed.Result.Pool?.Server}, prompt {completed.Result.PromptId}, {completed.Result.Images.Count()} image(s)");
            return true;
        }
        catch (Exception ex) when (ex is ComfyException or OperationCanceledException)
        {
            Console.WriteLine($"job {id}: {ex.GetType().Name}: {ex.Message}");
            return false;
        }
    }));
    return results.All(ok => ok) ? 0 : 1;
}

static Task WaitForCtrlCAsync()
{
    var stop = new TaskCompletionSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stop.TrySetResult();
    };
    AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.TrySetResult();
    return stop.Task;
}
