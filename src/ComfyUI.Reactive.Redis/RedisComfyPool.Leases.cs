namespace ComfyUI.Reactive.Redis;

/// <summary>Leases: taking free servers, renewing held ones, letting go of lost ones.</summary>
public sealed partial class RedisComfyPool
{
    private readonly SemaphoreSlim _leaseGate = new(1, 1);

    private async Task LeaseLoopAsync()
    {
        while (!Stopping)
        {
            await RenewLeasesAsync().ConfigureAwait(false);
            await WaitAsync(_options.LeaseRenewInterval).ConfigureAwait(false);
        }
    }

    /// <summary>One round over every server: renew what is held, try what is free. One round at a time.</summary>
    private async Task RenewLeasesAsync()
    {
        if (!_options.DriveServers || !await _leaseGate.WaitAsync(0).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            foreach (var server in _servers.Values)
            {
                if (Stopping)
                {
                    return;
                }

                try
                {
                    await RenewLeaseAsync(server).ConfigureAwait(false);
                }
                catch (Exception ex) when (IsRedisFault(ex))
                {
                    // Redis is away: keep driving what we hold (nobody else can take it while Redis is down) and retry.
                    RedisLog.RedisUnavailable(_logger, "lease renewal", ex.Message);
                    return;
                }
            }
        }
        finally
        {
            _leaseGate.Release();
        }
    }

    private async Task RenewLeaseAsync(ServerEntry server)
    {
        if (server.Leased)
        {
            // After an outage longer than the lease, the key may have expired unclaimed: taking it again keeps it ours.
            if (await server.Lease.TryAcquireAsync(_options.LeaseDuration).ConfigureAwait(false))
            {
                return;
            }

            server.Leased = false;
            RedisLog.LeaseLost(_logger, ProcessName, server.Id);
            await _pool.RemoveServerAsync(server.Id).ConfigureAwait(false);
            return;
        }

        if (_draining || (_options.MaxLeases is { } max && LeasedServers.Count >= max) ||
            !await server.Lease.TryAcquireAsync(_options.LeaseDuration).ConfigureAwait(false))
        {
            return;
        }

        if (Stopping)
        {
            await server.Lease.ReleaseAsync().ConfigureAwait(false);
            return;
        }

        _pool.AddServer(server.Client, server.Id.Value, server.Tags);
        server.Leased = true;
        RedisLog.LeaseAcquired(_logger, ProcessName, server.Id);
        Signal(_queueSignals, "lease");
    }
}
