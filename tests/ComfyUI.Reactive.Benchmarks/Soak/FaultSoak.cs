using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Pooling;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Benchmarks.Soak;

/// <summary>
/// The fault soak of issue 8 (docs/benchmarks.md, "Fault soak"; docs/reliability.md): in-process emulators behind one
/// <see cref="ComfyPool"/>, every job submitted at once, and a random fault every few seconds — a kill and restart on the
/// same port, a socket drop, a burst of 503s on one route, websocket upgrades refused for a while (with the sockets
/// dropped so that the clients must reconnect through the refusal). Faults come one at a time, each kind once per round of
/// four in a seeded random order, on a seeded random server.
/// </summary>
/// <remarks>
/// Each job is <c>EmptyImage(color = i) → SdkTestSlowProgress(steps × 20 ms) → PreviewImage</c> plus
/// <c>StringConcatenate("soak job", i) → PreviewAny</c>: unique inputs, so nothing comes from a server's cache and every
/// attempt really executes, and a text output that proves the result is the job's own. The subscriber counts every
/// terminal notification (a duplicate would show), and the emulators count every prompt they start.
/// </remarks>
internal static class FaultSoak
{
    private const string Template = """
        {"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}},
         "2": {"class_type": "SdkTestSlowProgress", "inputs": {"image": ["1", 0], "steps": 1, "step_seconds": 0.02}},
         "3": {"class_type": "PreviewImage", "inputs": {"images": ["2", 0]}},
         "4": {"class_type": "StringConcatenate", "inputs": {"string_a": "soak job", "string_b": "0", "delimiter": " "}},
         "5": {"class_type": "PreviewAny", "inputs": {"source": ["4", 0]}}}
        """;

    private static readonly string[] BurstRoutes = ["/prompt", "/history", "/queue"];

    private enum FaultKind
    {
        KillRestart,
        SocketDrop,
        Burst503,
        RefuseUpgrades,
    }

    /// <summary>The benchmark mode: prints the fault log, a summary and, last, the issue's line. Exit code 0 when every
    /// requirement holds.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        SoakSettings settings;
        try
        {
            settings = SoakSettings.Parse(args, Console.Out);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            Console.Error.WriteLine(ex.Message);
            Console.Error.WriteLine("soak [--jobs 1000] [--servers 3] [--seed N] [--min-job-ms 20] [--max-job-ms 100] [--min-gap-ms 1500] [--max-gap-ms 3500] [--deadline-s 180] [--max-attempts N] [--trace 0|1]");
            return 2;
        }

        var report = await RunAsync(settings).ConfigureAwait(false);
        Console.WriteLine(report.Passed ? "verdict: PASS" : "verdict: FAIL");
        Console.WriteLine(report.DeathLine);
        Console.WriteLine(report.LastLine);
        return report.Passed ? 0 : 1;
    }

    /// <summary>Runs one soak and returns what it measured (the integration tests run a smaller one).</summary>
    public static async Task<SoakReport> RunAsync(SoakSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var log = settings.Log ?? TextWriter.Null;
        var random = new Random(settings.Seed);
        var clock = Stopwatch.StartNew();
        void Say(string line)
        {
            lock (log)
            {
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed.TotalSeconds,6:F1} s] {line}"));
            }
        }

        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"soak: {settings.Servers} emulators, {settings.Jobs} jobs ({settings.MinJobMs}-{settings.MaxJobMs} ms each), a fault every " +
            $"{settings.MinFaultGap.TotalSeconds:F1}-{settings.MaxFaultGap.TotalSeconds:F1} s, seed={settings.Seed}"));

        var emulators = new List<ComfyEmulator>();
        var clients = new List<ComfyClient>();
        ComfyPool? pool = null;
        try
        {
            for (var i = 0; i < settings.Servers; i++)
            {
                emulators.Add(await ComfyEmulator.StartAsync(new ComfyEmulatorOptions(), cancellationToken).ConfigureAwait(false));
                clients.Add(new ComfyClient(new ComfyClientOptions
                {
                    BaseAddress = emulators[i].BaseAddress,
                    Logger = settings.Trace ? new SoakLogger(log, clock, $"client gpu-{i + 1}") : null,
                }));
            }

            var defaults = new ComfyPoolOptions();
            var poolOptions = new ComfyPoolOptions
            {
                MaxAttempts = settings.MaxAttempts ?? defaults.MaxAttempts,
                Logger = settings.Trace ? new SoakLogger(log, clock, "pool") : null,
            };

            pool = new ComfyPool(poolOptions);
            var latest = new ConcurrentDictionary<ServerId, ServerStatus>();
            using var statuses = pool.Servers.Subscribe(s =>
            {
                if (settings.Trace)
                {
                    Say($"{s.Server} is {s.State} ({s.InFlight} in flight)");
                }

                latest[s.Server] = s;
            });
            var ids = clients.Select((c, i) => pool.AddServer(c, $"gpu-{i + 1}")).ToList();
            foreach (var id in ids)
            {
                await WaitReadyAsync(pool, id, cancellationToken).ConfigureAwait(false);
            }

            Say($"pool ready (max attempts {poolOptions.MaxAttempts}, capacity {poolOptions.ServerCapacity} per server, health checks every {poolOptions.HealthCheckInterval?.TotalSeconds} s)");

            var template = Workflow.Parse(Template);
            var jobs = new List<SoakJob>(settings.Jobs);
            var start = clock.Elapsed;
            for (var i = 0; i < settings.Jobs; i++)
            {
                var steps = random.Next(settings.MinJobMs / 20, (settings.MaxJobMs / 20) + 1);
                var job = new SoakJob(i, $"soak job {i}");
                var wf = template.Set([
                    new("1.inputs.color", i),
                    new("2.inputs.steps", steps),
                    new("4.inputs.string_b", i.ToString(CultureInfo.InvariantCulture)),
                ]);
                jobs.Add(job);
                job.Subscription = pool.Run(wf).Subscribe(job.OnNext, job.OnError, job.OnCompleted);
            }

            var allEnded = Task.WhenAll(jobs.Select(j => j.Ended));
            var faults = new Dictionary<string, int>(StringComparer.Ordinal);
            var kills = new List<(ServerId Server, TimeSpan At, List<SoakJob> Caught)>();
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(settings.Deadline);
            var round = new Queue<FaultKind>();
            while (!allEnded.IsCompleted && !deadline.IsCancellationRequested)
            {
                var gap = settings.MinFaultGap + ((settings.MaxFaultGap - settings.MinFaultGap) * random.NextDouble());
                await Task.WhenAny(allEnded, Task.Delay(gap, deadline.Token)).ConfigureAwait(false);
                if (allEnded.IsCompleted || deadline.IsCancellationRequested)
                {
                    break;
                }

                if (round.Count == 0)
                {
                    var kinds = Enum.GetValues<FaultKind>();
                    random.Shuffle(kinds);
                    kinds.ToList().ForEach(round.Enqueue);
                }

                var kind = round.Dequeue();
                var target = random.Next(emulators.Count);
                var emulator = emulators[target];
                var id = ids[target];
                var done = jobs.Count(j => j.IsEnded);
                switch (kind)
                {
                    case FaultKind.KillRestart:
                        var down = TimeSpan.FromMilliseconds(random.Next(300, 1500));
                        var killedAt = Stopwatch.GetTimestamp();
                        var caught = jobs.Where(j => j.MarkKilled(id, killedAt, kills.Count)).ToList();
                        var inFlight = latest.TryGetValue(id, out var status) ? status.InFlight : -1;
                        await emulator.StopAsync(cancellationToken).ConfigureAwait(false);
                        var stopped = Stopwatch.GetElapsedTime(killedAt);
                        kills.Add((id, clock.Elapsed, caught));
                        Say($"kill {id} ({done} jobs done, stopped in {stopped.TotalMilliseconds:F0} ms): {caught.Count} accepted job(s) in flight there, {inFlight} per the pool; restart in {down.TotalMilliseconds:F0} ms");
                        await Task.Delay(down, cancellationToken).ConfigureAwait(false);
                        await emulator.RestartAsync(cancellationToken).ConfigureAwait(false);
                        Say($"restarted {id} on port {emulator.Port}");
                        break;
                    case FaultKind.SocketDrop:
                        emulator.Faults.DropAllSockets();
                        Say($"socket drop {id} ({done} jobs done)");
                        break;
                    case FaultKind.Burst503:
                        var route = BurstRoutes[random.Next(BurstRoutes.Length)];
                        var count = random.Next(3, 13);
                        emulator.Faults.FailRoute(route, 503, count);
                        Say($"503 burst {id} ({done} jobs done): next {count} requests to {route}");
                        break;
                    case FaultKind.RefuseUpgrades:
                        var refused = TimeSpan.FromMilliseconds(random.Next(1000, 3000));
                        emulator.Faults.RefuseWebSockets(refused);
                        emulator.Faults.DropAllSockets();
                        Say($"websocket upgrades refused on {id} for {refused.TotalMilliseconds:F0} ms, sockets dropped ({done} jobs done)");
                        break;
                }

                var name = kind.ToString();
                faults[name] = faults.GetValueOrDefault(name) + 1;
            }

            var wall = clock.Elapsed - start;
            Say(allEnded.IsCompleted ? $"all {settings.Jobs} jobs ended after {wall.TotalSeconds:F1} s" : "deadline reached");

            // A late second delivery (an abandoned attempt finishing after its job ran elsewhere) would arrive after the
            // job ended: keep listening for a moment before counting.
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            long ExecutionsOf(SoakJob job) => job.Prompts.Sum(p => emulators.Sum(e => (long)e.GetExecutionCount(p)));
            var executions = emulators.Sum(e => e.TotalExecutions);
            var unknown = executions - jobs.Sum(ExecutionsOf);
            if (unknown != 0)
            {
                Say($"{unknown} execution(s) of prompts whose acceptance no job saw");
            }

            var report = new SoakReport
            {
                Jobs = settings.Jobs,
                Completed = jobs.Count(j => j.Error is null && j.Result is not null && j.Terminals > 0),
                Failed = jobs.Count(j => j.Error is not null),
                Unfinished = jobs.Count(j => j.Terminals == 0),
                Duplicates = jobs.Sum(j => Math.Max(0, j.Terminals - 1) + Math.Max(0, j.Results - 1)),
                Misattributed = jobs.Count(j => j.Result is { } r &&
                    !(r.Outputs.TryGetValue("5", out var text) && text.Text.SequenceEqual([j.ExpectedText]))),
                Executions = executions,
                ExtraOutsideDeaths = unknown + jobs.Where(j => !j.CaughtByKill).Sum(j => Math.Max(0, ExecutionsOf(j) - 1)),
                Kills = kills.Count,
                Faults = faults,
                MaxRedispatchMs = (long)Math.Ceiling(jobs.SelectMany(j => j.Redispatches.Values).DefaultIfEmpty(0).Max()),
                Redispatched = jobs.Sum(j => j.Redispatches.Count),
                AttemptsHistogram = jobs.Where(j => j.Result?.Pool is not null)
                    .GroupBy(j => j.Result!.Pool!.Attempts).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count()),
                Failures = jobs.Where(j => j.Error is not null)
                    .GroupBy(j => j.Error!.GetType().Name).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
                Wall = wall,
            };

            foreach (var failed in jobs.Where(j => j.Error is not null).Take(10))
            {
                Say($"job {failed.Index} failed: {failed.Error!.GetType().Name}: {failed.Error.Message}");
            }

            foreach (var wrong in jobs.Where(j => j.Result is { } r && !(r.Outputs.TryGetValue("5", out var t) && t.Text.SequenceEqual([j.ExpectedText]))).Take(10))
            {
                var r = wrong.Result!;
                Say($"job {wrong.Index} misattributed: prompt {r.PromptId} on {r.Pool?.Server} after {r.Pool?.Attempts} attempt(s); outputs " +
                    string.Join("; ", r.Outputs.Select(o => $"{o.Key}: images={o.Value.Images.Count} text=[{string.Join(",", o.Value.Text)}]")));
            }

            foreach (var twice in jobs.Where(j => j.Prompts.Sum(p => emulators.Sum(e => e.GetExecutionCount(p))) > 1).Take(10))
            {
                Say($"job {twice.Index} executed more than once: " + string.Join(", ", twice.Prompts.Select(p =>
                    $"{p} x{emulators.Sum(e => e.GetExecutionCount(p))}")) + (twice.CaughtByKill ? " (caught by a kill)" : " (NOT caught by a kill)"));
            }


            Say($"faults: {string.Join(", ", faults.Select(f => $"{f.Key}={f.Value}"))}");
            Say($"attempts per completed job: {string.Join(", ", report.AttemptsHistogram.Select(a => $"{a.Key}:{a.Value}"))}; " +
                $"{report.Redispatched} job(s) re-dispatched after kills");
            for (var k = 0; k < kills.Count; k++)
            {
                var (server, at, caught) = kills[k];
                var measured = caught.Select(j => j.Redispatches.TryGetValue(k, out var ms) ? $"{ms:F0} ms" : j.Error is null ? "not measured (finished first)" : "not measured (failed)");
                Say($"kill of {server} at {at.TotalSeconds:F1} s: {(caught.Count == 0 ? "no accepted job in flight there" : "re-dispatched after " + string.Join(", ", measured))}");
            }

            Say($"executions per server: {string.Join(", ", emulators.Select((e, i) => $"{ids[i]}={e.TotalExecutions}"))}");
            foreach (var job in jobs)
            {
                job.Subscription?.Dispose();
            }

            return report;
        }
        finally
        {
            if (pool is not null)
            {
                await pool.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var client in clients)
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var emulator in emulators)
            {
                await emulator.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static bool InRotation(ServerState state) => state is ServerState.Ready or ServerState.Busy;

    private static async Task WaitReadyAsync(ComfyPool pool, ServerId id, CancellationToken cancellationToken)
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = pool.Servers.Subscribe(s =>
        {
            if (s.Server == id && s.State == ServerState.Ready)
            {
                ready.TrySetResult();
            }
        });
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
    }
}
