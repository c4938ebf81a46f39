using System.Globalization;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Pooling;
using ComfyUI.Reactive.Redis;
using ComfyUI.Reactive.Registry;
using ComfyUI.Reactive.Workflows;
using StackExchange.Redis;

namespace ComfyUI.Reactive.Benchmarks.Distributed;

/// <summary>
/// One app process of the distributed soak (<see cref="DistributedSoak"/>): a worker that drives the servers it leases,
/// and a submitter of its share of the jobs, which it observes to the end. Its job ids go to a file as they are queued,
/// so that after a SIGKILL the restarted process observes the same jobs (and queues only the missing ones). It reports
/// on stdout: <c>done &lt;job&gt; &lt;unix ms&gt; &lt;prompt&gt;</c> or <c>failed &lt;job&gt; &lt;error&gt;</c> per job;
/// it stops (draining) when its stdin closes.
/// </summary>
internal static class DistributedChild
{
    private const string Template = """
        {"1": {"class_type": "EmptyImage", "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": 0}},
         "2": {"class_type": "SdkTestSlowProgress", "inputs": {"image": ["1", 0], "steps": 1, "step_seconds": 0.03}},
         "3": {"class_type": "PreviewImage", "inputs": {"images": ["2", 0]}},
         "4": {"class_type": "StringConcatenate", "inputs": {"string_a": "distributed job", "string_b": "0", "delimiter": " "}},
         "5": {"class_type": "PreviewAny", "inputs": {"source": ["4", 0]}}}
        """;

    /// <summary>args: redis prefix name servers(csv) jobs first-index ids-file</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var (redis, prefix, name, servers, jobs, first, idsFile) =
            (args[0], args[1], args[2], args[3].Split(','), int.Parse(args[4], CultureInfo.InvariantCulture), int.Parse(args[5], CultureInfo.InvariantCulture), args[6]);
        var output = TextWriter.Synchronized(Console.Out);
        var config = ConfigurationOptions.Parse(redis);
        config.AbortOnConnectFail = false;

        // Reconnect within a fraction of the lease after a Redis restart (the default backoff can outlast a 3 s lease).
        config.ReconnectRetryPolicy = new LinearRetry(250);
        await using var pool = await RedisComfyPool.ConnectAsync(new RedisPoolOptions
        {
            Redis = config,
            KeyPrefix = prefix,
            ProcessName = name,
            LeaseDuration = TimeSpan.FromSeconds(3),
            LeaseRenewInterval = TimeSpan.FromSeconds(1),
            ClaimIdle = TimeSpan.FromSeconds(2),
            HeartbeatInterval = TimeSpan.FromMilliseconds(500),
            PollInterval = TimeSpan.FromMilliseconds(100),
            FollowInterval = TimeSpan.FromMilliseconds(100),
            Logger = new Soak.SoakLogger(Console.Error, System.Diagnostics.Stopwatch.StartNew(), name),
            Pool = new ComfyPoolOptions
            {
                HealthCheckInterval = TimeSpan.FromSeconds(1),
                HealthCheckTimeout = TimeSpan.FromSeconds(2),
                Logger = new Soak.SoakLogger(Console.Error, System.Diagnostics.Stopwatch.StartNew(), name + " pool"),
            },
        }).ConfigureAwait(false);
        for (var i = 0; i < servers.Length; i++)
        {
            pool.AddServer($"gpu-{i}", new ComfyClientOptions
            {
                BaseAddress = new Uri(servers[i]),
                ReconnectInitialDelay = TimeSpan.FromMilliseconds(50),
                ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
            });
        }

        // Queue what is not queued yet (a restarted process continues from its file), recording each id before the next.
        var ids = File.Exists(idsFile) ? [.. File.ReadAllLines(idsFile).Where(l => l.Length > 0).Select(l => new JobId(l))] : new List<JobId>();
        var observing = ids.Select(id => ObserveAsync(pool, id, output)).ToList();
        await using (var file = new StreamWriter(idsFile, append: true))
        {
            for (var i = ids.Count; i < jobs; i++)
            {
                var index = first + i;
                var workflow = Workflow.Parse(Template).Set("1.inputs.color", index).Set("4.inputs.string_b", index.ToString(CultureInfo.InvariantCulture));
                var id = await EnqueueAsync(pool, workflow).ConfigureAwait(false);
                await file.WriteLineAsync(id.Value).ConfigureAwait(false);
                await file.FlushAsync().ConfigureAwait(false);
                observing.Add(ObserveAsync(pool, id, output));
            }
        }

        await Task.WhenAll(observing).ConfigureAwait(false);
        output.WriteLine("observed-all");

        // Keep working for the others until the parent closes stdin.
        await Console.In.ReadToEndAsync().ConfigureAwait(false);
        await pool.DrainAsync().WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return 0;
    }

    /// <summary>Enqueues, retrying while Redis restarts.</summary>
    private static async Task<JobId> EnqueueAsync(RedisComfyPool pool, Workflow workflow)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await pool.EnqueueAsync(workflow).ConfigureAwait(false);
            }
            catch (ComfyRedisUnavailableException) when (attempt < 100)
            {
                await Task.Delay(200).ConfigureAwait(false); // a retry pause, not a wait for a condition
            }
        }
    }

    private static async Task ObserveAsync(RedisComfyPool pool, JobId id, TextWriter output)
    {
        try
        {
            var completed = (JobCompleted)await pool.Observe(id).LastAsync().ToTask().ConfigureAwait(false);
            output.WriteLine($"done {id} {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()} {completed.Result.PromptId}");
        }
        catch (Exception ex) when (ex is ComfyException or OperationCanceledException or KeyNotFoundException or InvalidCastException)
        {
            output.WriteLine($"failed {id} {ex.GetType().Name}: {ex.Message.ReplaceLineEndings(" ")}");
        }
    }
}
