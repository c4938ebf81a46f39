using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Redis.Tests.Infrastructure;
using StackExchange.Redis;

namespace ComfyUI.Reactive.Benchmarks.Distributed;

/// <summary>
/// The multi-process soak of issue 18 (mode <c>distributed</c>): 3 app processes (<see cref="DistributedChild"/>) sharing
/// 3 in-process emulators through one real redis-server, 1,000 jobs submitted from all three; one process is killed with
/// SIGKILL mid-run and restarted, and Redis is restarted once. Every job must complete exactly once and be observed by
/// its submitter; executions are counted on the emulators (an extra one per kill is allowed: the window between a
/// prompt's acceptance and the record of its prompt id). Prints one line:
/// <c>distributed jobs=1000 completed=1000 failed=0 duplicates=0 max_reattach_ms=...</c>.
/// </summary>
internal static class DistributedSoak
{
    public static async Task<int> RunAsync(string[] args)
    {
        var jobs = Option(args, "--jobs", 1000);
        var processes = Option(args, "--processes", 3);
        var serverCount = Option(args, "--servers", 3);
        var deadline = TimeSpan.FromSeconds(Option(args, "--deadline-s", 300));
        var work = Path.Combine(Path.GetTempPath(), "comfy-distributed-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        var prefix = "soak" + Guid.NewGuid().ToString("N")[..6];

        await using var redis = await RedisServer.StartAsync();
        var emulators = new List<ComfyEmulator>();
        for (var i = 0; i < serverCount; i++)
        {
            emulators.Add(await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerPreviews = false }));
        }

        var urls = string.Join(',', emulators.Select(e => e.BaseAddress.ToString()));
        var done = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var finalPrompts = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        var failed = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        var shares = Enumerable.Range(0, processes).Select(p => (jobs / processes) + (p < jobs % processes ? 1 : 0)).ToList();
        var children = new Process?[processes];
        Process Start(int p) => children[p] = StartChild(redis.EndPoint, prefix, $"p{p}", urls, shares[p], shares.Take(p).Sum(), Path.Combine(work, $"p{p}.ids"), done, failed, finalPrompts);

        var clock = Stopwatch.StartNew();
        for (var p = 0; p < processes; p++)
        {
            Start(p);
        }

        var killed = await WhenAsync(() => done.Count >= jobs * 3 / 10, deadline);
        long killedAt = 0;
        var heldAtKill = new List<string>();
        if (killed)
        {
            children[0]!.Kill();
            killedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await children[0]!.WaitForExitAsync();
            heldAtKill = await HeldByAsync(redis, prefix, "p0");
            Console.WriteLine($"t={clock.Elapsed.TotalSeconds:0.0}s SIGKILL p0 holding {heldAtKill.Count} jobs; restarting it");
            Start(0);
        }

        if (await WhenAsync(() => done.Count >= jobs * 6 / 10, deadline))
        {
            Console.WriteLine($"t={clock.Elapsed.TotalSeconds:0.0}s restarting Redis");
            await redis.RestartAsync();
        }

        await WhenAsync(() => done.Count + failed.Count >= jobs, deadline);
        var executions = emulators.Sum(e => e.TotalExecutions);

        // Each execution that is not a job's final prompt is an extra one: show when it ran against the kill.
        var extras = emulators.SelectMany(e => e.GetExecutions()).Where(x => !finalPrompts.ContainsKey(x.PromptId)).ToList();
        foreach (var extra in extras)
        {
            var fromKill = extra.StartedAt.ToUnixTimeMilliseconds() - killedAt;
            Console.WriteLine($"extra execution of prompt {extra.PromptId}: started {fromKill} ms after the kill, {(extra.Succeeded ? "succeeded" : "did not succeed")}");
        }

        foreach (var child in children)
        {
            child!.StandardInput.Close();
        }

        foreach (var child in children)
        {
            await child!.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (!child.HasExited)
            {
                child.Kill();
            }

            child.Dispose();
        }

        foreach (var emulator in emulators)
        {
            await emulator.DisposeAsync();
        }

        var reattach = heldAtKill.Where(done.ContainsKey).Select(j => done[j] - killedAt).DefaultIfEmpty(0).Max();
        var duplicates = Math.Max(0, executions - done.Count);
        Console.WriteLine($"t={clock.Elapsed.TotalSeconds:0.0}s executions={executions} held_at_kill={heldAtKill.Count} (at most one extra execution per kill is allowed, each named above)");
        foreach (var (job, error) in failed.Take(5))
        {
            Console.WriteLine($"failed {job}: {error}");
        }

        Console.WriteLine($"distributed jobs={jobs} completed={done.Count} failed={failed.Count} duplicates={duplicates} max_reattach_ms={reattach}");
        try
        {
            Directory.Delete(work, recursive: true);
        }
        catch (IOException)
        {
        }

        return done.Count == jobs && failed.IsEmpty && duplicates <= (killed ? 1 : 0) ? 0 : 1;
    }

    private static Process StartChild(
        string redis, string prefix, string name, string urls, int jobs, int first, string idsFile,
        ConcurrentDictionary<string, long> done, ConcurrentDictionary<string, string> failed, ConcurrentDictionary<string, byte> finalPrompts)
    {
        var self = Environment.ProcessPath!;
        var info = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            info.ArgumentList.Add(typeof(DistributedSoak).Assembly.Location);
        }

        foreach (var arg in new[] { "distributed-child", redis, prefix, name, urls, jobs.ToString(CultureInfo.InvariantCulture), first.ToString(CultureInfo.InvariantCulture), idsFile })
        {
            info.ArgumentList.Add(arg);
        }

        var child = Process.Start(info)!;
        child.OutputDataReceived += (_, e) =>
        {
            var parts = e.Data?.Split(' ', 4) ?? [];
            if (parts.Length >= 3 && parts[0] == "done")
            {
                // A restarted process observes its jobs again: the first report of each counts.
                done.TryAdd(parts[1], long.Parse(parts[2], CultureInfo.InvariantCulture));
                if (parts.Length >= 4)
                {
                    finalPrompts.TryAdd(parts[3], 0);
                }

                failed.TryRemove(parts[1], out string? _);
            }
            else if (parts.Length >= 2 && parts[0] == "failed" && !done.ContainsKey(parts[1]))
            {
                failed[parts[1]] = e.Data!;
            }
        };
        child.BeginOutputReadLine();
        return child;
    }

    /// <summary>The jobs a process held (running, taken by it) when it died: those that must be re-attached.</summary>
    private static async Task<List<string>> HeldByAsync(RedisServer redis, string prefix, string holder)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Options());
        var db = connection.GetDatabase();
        var held = new List<string>();
        var statuses = new Dictionary<string, int>(StringComparer.Ordinal);
        await foreach (var key in connection.GetServer(redis.EndPoint).KeysAsync(pattern: $"{prefix}:job:*"))
        {
            var name = key.ToString();
            if (name.EndsWith(":updates", StringComparison.Ordinal))
            {
                continue;
            }

            var fields = await db.HashGetAsync(key, ["status", "holder"]);
            statuses[$"{fields[0]}/{fields[1]}"] = statuses.GetValueOrDefault($"{fields[0]}/{fields[1]}") + 1;
            if (fields[0] == "running" && fields[1] == holder)
            {
                held.Add(name[(prefix.Length + 5)..]);
            }
        }

        Console.WriteLine("records at kill: " + string.Join(", ", statuses.Select(s => $"{s.Key}={s.Value}")));
        return held;
    }

    /// <summary>Awaits a condition of the children's reports (no notification to wait on): checked every 50 ms, bounded.</summary>
    private static async Task<bool> WhenAsync(Func<bool> condition, TimeSpan bound)
    {
        var until = Stopwatch.StartNew();
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (!condition())
        {
            if (until.Elapsed > bound || !await tick.WaitForNextTickAsync())
            {
                return false;
            }
        }

        return true;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
