using System.Reactive.Disposables;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Pooling;

/// <summary>One server as the pool holds it: its client (null for a test server driven directly), how an attempt runs
/// there, tags, health monitor, subscriptions and the capability-fetch state.</summary>
internal sealed class PoolServer(
    ServerId id, ComfyClient? client, IReadOnlyList<string> tags, Func<Workflow, JobOptions, IObservable<JobUpdate>> run) : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _fetchGate = new();
    private Task<ServerCapabilities?>? _fetch;

    public ServerId Id { get; } = id;

    public ComfyClient? Client { get; } = client;

    public IReadOnlyList<string> Tags { get; } = tags;

    /// <summary>Runs one attempt there: the client's <see cref="ComfyClient.Run"/>, or a test's seam.</summary>
    public Func<Workflow, JobOptions, IObservable<JobUpdate>> Run { get; } = run;

    public CompositeDisposable Subscriptions { get; } = [];

    /// <summary>The pending retry of a failed capability read (one at a time).</summary>
    public SerialDisposable CapabilityRetry { get; } = new();

    public HealthMonitor? Monitor { get; set; }

    /// <summary>Capabilities must be read (again) when the server is next healthy: at first, and after every outage (a
    /// restarted server may have other nodes and models).</summary>
    public bool CapabilitiesStale { get; set; } = true;

    /// <summary>Whether this pool has read the server's capabilities before (later reads refetch the schemas).</summary>
    public bool CapabilitiesRead { get; set; }

    /// <summary>Cancelled when the server leaves the pool.</summary>
    public CancellationToken Stopping => _stopping.Token;

    public bool IsStopped => _stopping.IsCancellationRequested;

    /// <summary>The capability read in progress, or a new one from <paramref name="start"/>: one at a time per server, and
    /// whoever asks while one runs gets its answer.</summary>
    public Task<ServerCapabilities?> Fetch(Func<Task<ServerCapabilities?>> start)
    {
        lock (_fetchGate)
        {
            if (_fetch is { IsCompleted: false } running)
            {
                return running;
            }

            return _fetch = start();
        }
    }

    /// <summary>Resolves when every cancellation the server's jobs sent so far (queue deletes, interrupts) has finished,
    /// so a job moved elsewhere never runs twice; at once for a server without a client or a disposed client.</summary>
    public async Task WhenCancellationsSentAsync()
    {
        if (Client is null)
        {
            return;
        }

        try
        {
            await Client.WhenCancellationsSentAsync().ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The client was disposed: there is nothing left to wait for.
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        Subscriptions.Dispose();
        CapabilityRetry.Dispose();
        Monitor?.Dispose();

        // Not disposed: fetches still running hold its token; a cancelled source without timers holds nothing.
    }
}
