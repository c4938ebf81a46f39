using System.Reactive.Concurrency;
using ComfyUI.Reactive.Events;

namespace ComfyUI.Reactive.Sessions;

/// <summary>
/// Everything shared about one server (one <see cref="ComfyClient"/>), for its jobs and for a pool that uses it: the
/// events and connection, one liveness verdict (<see cref="Liveness"/>), one schema cache (<see cref="Schema"/>), and the
/// server-version facts (<see cref="Facts"/>).
/// </summary>
/// <remarks>It knows nothing of jobs or pools: they build on it (DESIGN.md §2).</remarks>
internal sealed class ServerSession : IDisposable
{
    private long _stamp;

    public ServerSession(ComfyClient client, ComfyClientOptions options)
    {
        Api = client.Api;
        Scheduler = options.Scheduler;
        Events = client.Events;
        Connection = client.Connection;
        Server = $"{client.BaseAddress.Scheme}://{client.BaseAddress.Authority}";
        Liveness = new ServerLiveness(Api.GetQueueIdsAsync, client.Connection, Scheduler, Stamp);
        Schema = new SchemaCache(Api, Scheduler);
        Facts = new ServerFacts(Api, options.UseApiPrefix);
    }

    /// <summary>The server's REST routes.</summary>
    public ComfyApi Api { get; }

    /// <summary>The client's scheduler: every timer of the session and of the jobs on it.</summary>
    public IScheduler Scheduler { get; }

    /// <summary>The server's events (hot, shared).</summary>
    public IObservable<ComfyEvent> Events { get; }

    /// <summary>The socket's state, replaying the latest.</summary>
    public IObservable<ConnectionState> Connection { get; }

    /// <summary>The server as <c>scheme://host:port</c> for messages (never user info or a query).</summary>
    public string Server { get; }

    /// <summary>Whether the server's process runs.</summary>
    public ServerLiveness Liveness { get; }

    /// <summary>The node schemas and model lists.</summary>
    public SchemaCache Schema { get; }

    /// <summary>What the server's version can do.</summary>
    public ServerFacts Facts { get; }

    /// <summary>A number that grows with every call: orders what happened (a job's acceptance) against when a
    /// <c>GET /queue</c> was asked, so a snapshot judges only what it could have seen.</summary>
    /// <returns>The next stamp.</returns>
    public long Stamp() => Interlocked.Increment(ref _stamp);

    public void Dispose() => Liveness.Dispose();
}
