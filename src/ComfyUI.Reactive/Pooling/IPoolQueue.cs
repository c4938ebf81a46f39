namespace ComfyUI.Reactive.Pooling;

/// <summary>
/// The pool's queue of jobs waiting for a server, separate from the scheduler that decides when to ask it for work, so
/// that another queue can replace the in-memory one without touching the scheduler. Items are plain data
/// (<see cref="PoolWorkItem"/>).
/// </summary>
/// <remarks>
/// <para><b>Order of <see cref="Reserve"/></b>, among the pending items the server may take (the filter's
/// <see cref="IReservationFilter.CanRun"/>, <see cref="IReservationFilter.IsCoolingDown"/> and
/// <see cref="IReservationFilter.MayTake"/> all allow it): (1) highest <see cref="PoolWorkItem.Priority"/>; (2) among equal
/// priorities, the lowest scarcity, i.e. the fewest servers in the pool able to run it
/// (<see cref="IReservationFilter.CapableServerCount"/>, counted over every server whatever its health or load, so it does
/// not flap with load); (3) among equals, the earliest enqueued. A requeued item keeps its original place.</para>
/// <para><b>Synchronous</b> by design: the scheduler reserves inside its short decision step, which keeps "one item, one
/// attempt at a time" a local invariant. That is why <c>ComfyUI.Reactive.Redis</c> puts its shared queue in front of this
/// seam instead of behind it: each process admits into its local queue only what its leased servers can start
/// (<c>docs/distributed.md</c>).</para>
/// <para>Implementations are thread-safe.</para>
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is the pool's queue of waiting jobs, in the domain's own word.")]
public interface IPoolQueue
{
    /// <summary>The number of pending (not reserved) items.</summary>
    int Count { get; }

    /// <summary>The number of reserved (in-flight) items.</summary>
    int ReservedCount { get; }

    /// <summary>Adds a pending item behind every item enqueued before it.</summary>
    /// <param name="item">The item; its <see cref="PoolWorkItem.Id"/> must not be in the queue.</param>
    /// <exception cref="ArgumentException">An item with that id is pending or reserved.</exception>
    void Enqueue(PoolWorkItem item);

    /// <summary>Reserves the best pending item the server may take (see the remarks for the order), or null.</summary>
    /// <param name="filter">What the reserving server may take.</param>
    /// <returns>The item with <see cref="PoolWorkItem.Attempts"/> counting this attempt, now reserved; or null.</returns>
    PoolWorkItem? Reserve(IReservationFilter filter);

    /// <summary>Removes a reserved item for good: its attempt reached a final outcome.</summary>
    /// <param name="itemId">The item id.</param>
    /// <returns>False when the item was not reserved.</returns>
    bool Ack(string itemId);

    /// <summary>
    /// Returns a reserved item after a failed attempt: pending again in its original place with
    /// <paramref name="failedOn"/> added to <see cref="PoolWorkItem.ExcludedServers"/>, or dead-lettered (removed) when it
    /// has used <see cref="PoolWorkItem.MaxAttempts"/>.
    /// </summary>
    /// <param name="itemId">The item id.</param>
    /// <param name="failedOn">The server the attempt failed on, or null to exclude none.</param>
    /// <param name="item">The item as requeued or dead-lettered, or null when not found.</param>
    /// <returns>What happened.</returns>
    NackResult Nack(string itemId, ServerId? failedOn, out PoolWorkItem? item);

    /// <summary>
    /// Returns a reserved item to pending in its original place <b>without counting the attempt</b>: the attempt waited
    /// on a server that was busy with other work and says nothing about that server or the job
    /// (<see cref="ComfyTimeoutException.ServerBusy"/>). <see cref="PoolWorkItem.Attempts"/> goes back by one and
    /// <see cref="PoolWorkItem.ExcludedServers"/> is unchanged.
    /// </summary>
    /// <param name="itemId">The item id.</param>
    /// <returns>The item as requeued, or null when it was not reserved.</returns>
    PoolWorkItem? Release(string itemId);

    /// <summary>Removes an item whether pending or reserved (cancellation).</summary>
    /// <param name="itemId">The item id.</param>
    /// <returns>The removed item, or null when it was in neither state.</returns>
    PoolWorkItem? Remove(string itemId);
}
