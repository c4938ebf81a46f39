namespace ComfyUI.Reactive.Jobs;

/// <summary>Job updates as pull-based streams, for consumers that iterate (Server-Sent Events, gRPC streams, channels).</summary>
public static class JobUpdateStreams
{
    /// <summary>
    /// Any job's updates (<c>pool.Observe(jobId)</c>, <c>client.Run(...)</c>) as a bounded async stream: lossy updates
    /// (progress, previews, queue positions, text) keep only the newest <paramref name="capacity"/> while the consumer is
    /// slow; the result and the error are never dropped. Breaking out of the loop or cancelling disposes the subscription:
    /// for a cold job that cancels it, for <c>Observe</c> it only stops watching.
    /// </summary>
    /// <param name="updates">The job's updates.</param>
    /// <param name="capacity">How many lossy updates may wait; default 64.</param>
    /// <param name="cancellationToken">Ends the enumeration.</param>
    /// <returns>The updates; the enumeration throws the job's error.</returns>
    public static IAsyncEnumerable<JobUpdate> ToAsyncEnumerable(
        this IObservable<JobUpdate> updates, int capacity = 64, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(updates);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        return JobConsumption.ToAsyncEnumerable(updates, capacity, cancellationToken);
    }
}
