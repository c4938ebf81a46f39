using System.Reactive.Linq;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Redis.Records;
using ComfyUI.Reactive.Registry;
using StackExchange.Redis;

namespace ComfyUI.Reactive.Redis;

/// <summary>Observing a job of any process through its update stream.</summary>
public sealed partial class RedisComfyPool
{
    /// <summary>
    /// A job's updates, wherever it was enqueued and wherever it runs: first its latest state (the latest queue position,
    /// start, node and progress of its current attempt, why the previous attempt failed, every node output so far;
    /// previews are not stored), then its live updates, then its end —
    /// <c>OnCompleted</c> right after <see cref="JobCompleted"/>, or <c>OnError</c>: <see cref="OperationCanceledException"/>
    /// when cancelled, <see cref="ComfyRemoteJobException"/> (naming the original type) when it failed. Disposing only
    /// stops watching. Survives Redis outages (it reads on from where it was).
    /// </summary>
    /// <param name="jobId">The job.</param>
    /// <returns>The updates; it fails with <see cref="KeyNotFoundException"/> when the job is unknown or expired.</returns>
    /// <remarks>Output files download from their server through this process's client for it: add every server to every
    /// process. Notifications arrive on a thread of the pool; use <c>ObserveOn</c> to move them.</remarks>
    public IObservable<JobUpdate> Observe(JobId jobId)
    {
        var id = jobId.Value;
        ArgumentException.ThrowIfNullOrEmpty(id, nameof(jobId));
        return Observable.Create<JobUpdate>(async (observer, cancellationToken) =>
        {
            RedisValue last = "0-0";
            var known = false;
            var caughtUp = false;
            while (!cancellationToken.IsCancellationRequested && !Stopping)
            {
                IReadOnlyList<(RedisValue Id, StoredUpdate? Update)> batch;
                try
                {
                    if (!known)
                    {
                        known = await _store.StatusAsync(id).ConfigureAwait(false) is not null
                            ? true
                            : throw new KeyNotFoundException($"No job '{id}' in Redis (never enqueued, or finished longer ago than it is kept).");
                    }

                    batch = await _store.ReadUpdatesAsync(id, last, 256).ConfigureAwait(false);
                    if (!caughtUp)
                    {
                        // First the job's latest state, as in one process: read to the end, then replay it compacted.
                        var all = batch.ToList();
                        while (batch.Count == 256)
                        {
                            batch = await _store.ReadUpdatesAsync(id, all[^1].Id, 256).ConfigureAwait(false);
                            all.AddRange(batch);
                        }

                        caughtUp = true;
                        var replay = UpdateReplay.Compact(all.Where(u => u.Update is not null).Select(u => u.Update!));
                        last = all.Count == 0 ? last : all[^1].Id;
                        batch = [.. replay.Select(u => (RedisValue.Null, (StoredUpdate?)u))];
                    }
                }
                catch (Exception ex) when (IsRedisFault(ex))
                {
                    await WaitAsync(_options.FollowInterval).ConfigureAwait(false);
                    continue;
                }

                foreach (var (entryId, stored) in batch)
                {
                    last = entryId.IsNull ? last : entryId;
                    if (stored is null)
                    {
                        continue;
                    }

                    if (stored.Kind == StoredUpdate.Completed)
                    {
                        observer.OnNext(UpdateCodec.Decode(stored, ApiOf)!);
                        observer.OnCompleted();
                        return;
                    }

                    if (stored.IsTerminal)
                    {
                        observer.OnError(UpdateCodec.Error(stored));
                        return;
                    }

                    if (UpdateCodec.Decode(stored, ApiOf) is { } update)
                    {
                        observer.OnNext(update);
                    }
                }

                if (batch.Count == 0)
                {
                    await WaitAsync(_options.FollowInterval, _updateSignals.Where(j => j == id)).ConfigureAwait(false);
                }
            }

            if (Stopping && !cancellationToken.IsCancellationRequested)
            {
                // The job goes on elsewhere; only this process's view of it ends.
                observer.OnError(new ObjectDisposedException(nameof(RedisComfyPool), "The distributed pool was disposed while the job was observed; observe it from another process."));
            }
        });
    }

    private ComfyApi? ApiOf(string server) => _servers.TryGetValue(server, out var entry) ? entry.Client.Api : null;
}
