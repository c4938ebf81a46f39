using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Reactive.Subjects;

namespace ComfyUI.Reactive.Pooling;

/// <summary>
/// The latest <see cref="ServerStatus"/> of every server, as a stream that first replays the latest status of each
/// server (in the order servers first appeared) and then every change.
/// </summary>
/// <remarks>
/// Publishers compute a status under their own lock and publish it after releasing it, so two publications for one
/// server can arrive out of order; each carries a version and a stale one (lower than the latest seen) is dropped.
/// Observers are called under the board's lock, one at a time, in version order per server: do not block in them.
/// </remarks>
internal sealed class ServerStatusBoard : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ServerId, VersionedStatus> _latest = [];
    private readonly List<ServerId> _order = [];
    private readonly Subject<ServerStatus> _changes = new();
    private bool _disposed;

    /// <summary>Replays the latest status of every server, then every change; completes on dispose.</summary>
    public IObservable<ServerStatus> Statuses => Observable.Create<ServerStatus>(observer =>
    {
        lock (_lock)
        {
            foreach (var server in _order)
            {
                observer.OnNext(_latest[server].Status);
            }

            if (_disposed)
            {
                observer.OnCompleted();
                return Disposable.Empty;
            }

            return _changes.Subscribe(observer);
        }
    });

    /// <summary>The latest status of every server, in the order servers first appeared.</summary>
    /// <returns>A snapshot.</returns>
    public IReadOnlyList<ServerStatus> Snapshot()
    {
        lock (_lock)
        {
            return [.. _order.Select(s => _latest[s].Status)];
        }
    }

    /// <summary>Publishes a status unless a newer one for the same server was already published or it equals the latest.</summary>
    /// <param name="status">The status.</param>
    /// <param name="version">A number that grows with every status the publisher computes.</param>
    /// <returns>True when published.</returns>
    public bool Publish(ServerStatus status, long version)
    {
        ArgumentNullException.ThrowIfNull(status);
        lock (_lock)
        {
            if (_disposed)
            {
                return false;
            }

            if (_latest.TryGetValue(status.Server, out var latest))
            {
                if (latest.Version >= version || latest.Status == status)
                {
                    if (latest.Version < version)
                    {
                        _latest[status.Server] = new VersionedStatus(status, version);
                    }

                    return false;
                }
            }
            else
            {
                _order.Add(status.Server);
            }

            _latest[status.Server] = new VersionedStatus(status, version);
            _changes.OnNext(status);
            return true;
        }
    }

    /// <summary>Completes the stream.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _changes.OnCompleted();
            _changes.Dispose();
        }
    }
}

/// <summary>A server's status and the version it was computed at. A class, not a tuple: lists and dictionaries of it share
/// the framework's precompiled code (see <c>SharedGenericCodeTests</c>).</summary>
/// <param name="Status">The status.</param>
/// <param name="Version">Grows with every status the publisher computes.</param>
internal sealed record VersionedStatus(ServerStatus Status, long Version);
