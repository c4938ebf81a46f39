using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Pooling;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Benchmarks.WholeProcess;

/// <summary>The SDK as a user runs it: one <see cref="ComfyClient"/> per server in one <see cref="ComfyPool"/> with its
/// defaults, every job submitted at once with <see cref="ComfyPool.Run"/>. The HTTP handler is the one the SDK builds
/// itself, given from outside only to time the first <c>POST /prompt</c> (<see cref="FirstPostTimer"/>).</summary>
internal static class SdkPoolProcess
{
    public static async Task<ProcessSample> RunAsync(IReadOnlyList<Uri> servers, int jobs, string workflowJson)
    {
        var clock = new JobClock(jobs);
        var handlers = servers.Select(_ => new FirstPostTimer(clock)).ToList();
        var clients = servers.Select((s, i) => new ComfyClient(new ComfyClientOptions { BaseAddress = s, HttpMessageHandler = handlers[i] })).ToList();
        var pool = new ComfyPool();
        foreach (var client in clients)
        {
            pool.AddServer(client);
        }

        await pool.Servers
            .Scan(new Dictionary<ServerId, ServerState>(), (states, s) => { states[s.Server] = s.State; return states; })
            .FirstAsync(states => states.Count == servers.Count && states.Values.All(s => s == ServerState.Ready))
            .ToTask()
            .WaitAsync(TimeSpan.FromSeconds(60))
            .ConfigureAwait(false);
        var readyAt = DateTime.UtcNow;

        var template = Workflow.Parse(workflowJson);
        await RunJobsAsync(pool, template, jobs, clock).ConfigureAwait(false);
        var sample = await ProcessSample.MeasureAsync("sdk", jobs, readyAt, clock).ConfigureAwait(false);

        await pool.DisposeAsync().ConfigureAwait(false);
        foreach (var client in clients)
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }

        // A handler the caller gives the SDK stays the caller's to dispose.
        handlers.ForEach(h => h.Dispose());

        return sample;
    }

    /// <summary>Runs every job and waits for all of them. A method of its own so that nothing of this program keeps the
    /// jobs or their results once it returns: the live heap measured afterwards is what the SDK holds on to.</summary>
    private static async Task RunJobsAsync(ComfyPool pool, Workflow template, int jobs, JobClock clock)
    {
        clock.Submitting();
        var runs = Enumerable.Range(1, jobs)
            .Select(n => pool.Run(template.Set("1.inputs.string_a", $"job {n}"))
                .Do(
                    u =>
                    {
                        switch (u)
                        {
                            case JobQueued:
                                clock.Accepted();
                                break;
                            case JobStarted:
                                clock.Started();
                                break;
                        }
                    },
                    () => clock.Finished())
                .ToTask())
            .ToList();
        await Task.WhenAll(runs).WaitAsync(TimeSpan.FromMinutes(30)).ConfigureAwait(false);
    }
}
