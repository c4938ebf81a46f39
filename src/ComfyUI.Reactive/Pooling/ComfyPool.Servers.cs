using System.Reactive.Concurrency;
using System.Reactive.Disposables;

namespace ComfyUI.Reactive.Pooling;

/// <summary>Servers: joining, connecting, health and capabilities.</summary>
public sealed partial class ComfyPool
{
    /// <summary><c>host:port</c> plus the path when it is not the root: never the user info or the query of the address.</summary>
    private static string NameOf(Uri address)
    {
        var hostAndPort = address.GetComponents(UriComponents.HostAndPort, UriFormat.UriEscaped);
        var path = address.AbsolutePath.TrimEnd('/');
        return path.Length == 0 ? hostAndPort : hostAndPort + path;
    }

    private void Register(PoolServer server, ServerCapabilities? capabilities)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            if (_servers.ContainsKey(server.Id))
            {
                throw new ArgumentException($"The pool already has a server named '{server.Id}'.", nameof(server));
            }

            _servers.Add(server.Id, server);
        }

        _scheduler.AddServer(server.Id, capabilities, _options.ServerCapacity);
        PoolLog.ServerAdded(_logger, server.Id);
    }

    private PoolServer? Find(ServerId id)
    {
        lock (_lock)
        {
            return _servers.GetValueOrDefault(id);
        }
    }

    private void Publish(PoolEvent e)
    {
        // Several sockets deliver concurrently; observers of one stream must be called one at a time.
        lock (_eventsGate)
        {
            if (!_eventsCompleted)
            {
                _events.OnNext(e);
            }
        }
    }

    private async Task ConnectAsync(PoolServer server)
    {
        try
        {
            await server.Client!.ConnectAsync(server.Stopping).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A server that is down at start must not hold up the pool; its socket keeps retrying.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            PoolLog.CapabilitiesFailed(_logger, server.Id, ex.GetType().Name, "the first connection failed; retrying in the background");
        }
    }

    private void OnHealth(PoolServer server, ServerHealth health)
    {
        if (server.IsStopped)
        {
            return;
        }

        PoolLog.HealthChanged(_logger, server.Id, health);
        if (health != ServerHealth.Healthy)
        {
            server.CapabilitiesStale = true;
        }

        _scheduler.SetHealth(server.Id, health);
        if (health == ServerHealth.Healthy && server.CapabilitiesStale)
        {
            RefreshCapabilities(server);
        }
    }

    /// <summary>Reads a server's capabilities in the background (one read at a time per server) and hands them to the
    /// scheduler; a failed first read is retried while the server is healthy.</summary>
    private void RefreshCapabilities(PoolServer server) => _ = FetchCapabilitiesAsync(server);

    private Task<ServerCapabilities?> FetchCapabilitiesAsync(PoolServer server) =>
        server.Client is null || server.IsStopped ? Task.FromResult<ServerCapabilities?>(null) : server.Fetch(() => ReadCapabilitiesAsync(server));

    private async Task<ServerCapabilities?> ReadCapabilitiesAsync(PoolServer server)
    {
        // Off the caller's thread (a health callback, the scheduler's clock) and outside the server's fetch gate.
        await Task.Yield();
        var client = server.Client!;
        var retry = false;
        try
        {
            server.CapabilitiesStale = false;

            // The client's session holds the one schema cache its jobs validate against: the first read shares it (one
            // /object_info per server), later ones (after an outage, on the refresh interval) refetch it for both.
            var schema = await client.Session.Schema.ReadAsync(ServerCapabilities.KnownFolders, refresh: server.CapabilitiesRead, server.Stopping)
                .ConfigureAwait(false);
            server.CapabilitiesRead = true;
            var capabilities = new ServerCapabilities(schema.Catalog, schema.ModelsByFolder, server.Tags);
            _scheduler.SetCapabilities(server.Id, capabilities);
            PoolLog.CapabilitiesRead(_logger, server.Id, capabilities.Catalog.Count);
            return capabilities;
        }
        catch (OperationCanceledException) when (server.IsStopped)
        {
            return null;
        }
#pragma warning disable CA1031 // Any failure leaves the server out of rotation (or with its previous capabilities) and is retried.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            server.CapabilitiesStale = true;
            PoolLog.CapabilitiesFailed(_logger, server.Id, ex.GetType().Name, ex.Message);
            retry = server.Monitor?.Current == ServerHealth.Healthy;
            return null;
        }
        finally
        {
            if (retry && !server.IsStopped)
            {
                server.CapabilityRetry.Disposable = _options.Scheduler.Schedule(CapabilityRetry, () =>
                {
                    if (server.CapabilitiesStale && server.Monitor?.Current == ServerHealth.Healthy)
                    {
                        RefreshCapabilities(server);
                    }
                });
            }
        }
    }
}
