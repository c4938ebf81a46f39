namespace ComfyUI.Reactive.Pooling;

/// <summary>
/// What one server may take right now, as the scheduler sees it; a queue consults it while reserving. Every member is
/// cheap and side-effect free, and answers for the server the reservation is for.
/// </summary>
public interface IReservationFilter
{
    /// <summary>Whether the server has everything the requirements name (class types, model files, tags).</summary>
    /// <param name="requirements">The requirements of a group of items.</param>
    /// <returns>True when the server can run them.</returns>
    bool CanRun(WorkflowRequirements requirements);

    /// <summary>Whether the server is cooling down for this workflow hash after repeated failures.</summary>
    /// <param name="workflowHash">The structural hash.</param>
    /// <returns>True while the cooldown lasts.</returns>
    bool IsCoolingDown(string workflowHash);

    /// <summary>Per-item conditions beyond the group's, e.g. servers excluded after failing the item.</summary>
    /// <param name="item">A pending item.</param>
    /// <returns>True when the server may take it.</returns>
    bool MayTake(PoolWorkItem item);

    /// <summary>How many servers of the pool (whatever their health or load) can run these requirements: the scarcity
    /// used to place items few servers can run first.</summary>
    /// <param name="requirements">The requirements.</param>
    /// <returns>The count (0 when none can).</returns>
    int CapableServerCount(WorkflowRequirements requirements);
}
