namespace ComfyUI.Reactive.Pooling;

/// <summary>Liveness: the retry wake-up and the check that no waiting item is stranded (see the class remarks).</summary>
internal sealed partial class PoolScheduler
{
    /// <summary>Makes sure a wake-up is due no later than <paramref name="due"/>; the earliest one wins.</summary>
    private void ArmRetryWakeLocked(DateTimeOffset due)
    {
        if (_disposed || _retryWakeDue is { } armed && armed <= due)
        {
            return;
        }

        _retryWakeDue = due;
        _retryWake.Disposable = Deadline.Schedule(_clock, due, OnRetryWake);
    }

    private void OnRetryWake()
    {
        lock (_lock)
        {
            _retryWakeDue = null;
        }

        Pump();
        lock (_lock)
        {
            // Items that became takeable were decided just now; the next one still in its delay gets the next wake-up.
            var now = _clock.Now;
            var next = _items.Values.Where(s => s.Current is null && s.RetryAt > now).Select(s => (DateTimeOffset?)s.RetryAt).Min();
            if (next is { } due)
            {
                ArmRetryWakeLocked(due);
            }
        }
    }

    /// <summary>
    /// The liveness invariant (see the remarks): the waiting items that nothing pending will ever release, each with the
    /// state that strands it. Empty
    /// unless the scheduler has a bug; call it when no decision is running (tests).
    /// </summary>
    internal List<string> FindStrandedItems()
    {
        lock (_lock)
        {
            var now = _clock.Now;
            var stranded = new List<string>();
            foreach (var state in _items.Values.Where(s => s.Current is null))
            {
                var item = state.Item;
                var released = _servers.Values.Any(slot =>
                    (slot.Capabilities is null || MatchLocked(slot, item.Requirements).CanRun) &&
                    (!InRotation(slot) || slot.InFlight > 0 || _cooldowns.HasPendingExpiry(slot.Id, item.WorkflowHash) ||
                     (item.ExcludedServers.Contains(slot.Id) && _retryWakeDue <= state.RetryAt)));
                if (!released)
                {
                    var servers = string.Join(", ", _servers.Values.Select(slot =>
                        $"{slot.Id} {slot.Health} {slot.InFlight}/{slot.Capacity}{(_cooldowns.IsCoolingDown(slot.Id, item.WorkflowHash) ? " cooling" : "")}"));
                    stranded.Add($"{item.Id} (excluded [{string.Join(", ", item.ExcludedServers)}], retry at {state.RetryAt:HH:mm:ss.fffffff}, " +
                        $"busy on {state.BusyOn}, wake-up {_retryWakeDue:HH:mm:ss.fffffff}, now {now:HH:mm:ss.fffffff}; servers {servers})");
                }
            }

            return stranded;
        }
    }
}
