namespace ComfyUI.Reactive.Pooling;

/// <summary>The outbox: server statuses, attempt failures and item outcomes are staged under the lock and published
/// after it, in the order they were decided.</summary>
internal sealed partial class PoolScheduler
{
    private void Stage(Slot slot) =>
        _outbox.Add(new VersionedStatus(new ServerStatus(slot.Id, StateOf(slot), slot.InFlight, slot.Capacity), ++_statusVersion));

    /// <summary>Publishes staged statuses outside the lock; versions keep the board right if two flushes race.</summary>
    private void Flush()
    {
        List<VersionedStatus> staged;
        List<Action> notices;
        lock (_lock)
        {
            if (_outbox.Count == 0 && _notices.Count == 0)
            {
                return;
            }

            staged = _outbox;
            _outbox = [];
            notices = _notices;
            _notices = [];
        }

        foreach (var (status, version) in staged)
        {
            _board.Publish(status, version);
        }

        foreach (var notice in notices)
        {
            notice();
        }
    }
}
