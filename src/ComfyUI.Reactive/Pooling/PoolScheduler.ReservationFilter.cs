namespace ComfyUI.Reactive.Pooling;

/// <summary>What one server may take from the queue.</summary>
internal sealed partial class PoolScheduler
{
    /// <summary>What one server may take, answered from the scheduler's state (called under its lock, by the queue).</summary>
    private sealed class Filter(PoolScheduler owner, Slot slot) : IReservationFilter
    {
        public bool CanRun(WorkflowRequirements requirements) =>
            slot.Capabilities is not null && MatchLocked(slot, requirements).CanRun;

        public bool IsCoolingDown(string workflowHash) => owner._cooldowns.IsCoolingDown(slot.Id, workflowHash);

        public bool MayTake(PoolWorkItem item)
        {
            if (owner._items.TryGetValue(item.Id, out var waiting) && waiting.BusyOn == slot.Id && AnotherServerTakesNow(item))
            {
                // It just waited here behind other work: a server that can start it now gets it first.
                owner._passedOverBusy = true;
                return false;
            }

            if (!item.ExcludedServers.Contains(slot.Id))
            {
                return true;
            }

            // Excluded here: only if no other server in rotation can run it and has not failed it, and not straight
            // away (a server answering 503 for a moment would otherwise use up every attempt within milliseconds).
            return !owner._servers.Values.Any(other =>
                    !ReferenceEquals(other, slot) && InRotation(other) && !item.ExcludedServers.Contains(other.Id) &&
                    MatchLocked(other, item.Requirements).CanRun) &&
                !(owner._items.TryGetValue(item.Id, out var state) && owner._clock.Now < state.RetryAt);
        }

        /// <summary>Whether another server in rotation, with room, may take the item now without any preference of its
        /// own holding it back (not busy for it, not excluded, not cooling down).</summary>
        private bool AnotherServerTakesNow(PoolWorkItem item) =>
            owner._servers.Values.Any(other =>
                !ReferenceEquals(other, slot) && InRotation(other) && other.InFlight < other.Capacity &&
                !item.ExcludedServers.Contains(other.Id) && MatchLocked(other, item.Requirements).CanRun &&
                !owner._cooldowns.IsCoolingDown(other.Id, item.WorkflowHash));

        public int CapableServerCount(WorkflowRequirements requirements)
        {
            if (!owner._scarcity.TryGetValue(requirements.Key, out var count))
            {
                owner._scarcity[requirements.Key] = count = owner._servers.Values.Count(s =>
                    s.Capabilities is not null && MatchLocked(s, requirements).CanRun);
            }

            return count;
        }

        /// <summary>Whether this server could take the item now (for the checkpoint tie-breaker).</summary>
        public bool MayRun(PoolWorkItem item) =>
            CanRun(item.Requirements) && !IsCoolingDown(item.WorkflowHash) && MayTake(item);
    }
}
