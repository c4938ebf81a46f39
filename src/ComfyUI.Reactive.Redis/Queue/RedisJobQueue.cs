using StackExchange.Redis;

namespace ComfyUI.Reactive.Redis.Queue;

/// <summary>
/// The shared queue on Redis Streams with one consumer group: one stream per priority (FIFO within it, the highest
/// priority read first), at-least-once delivery (an entry stays in its taker's pending list until acknowledged),
/// reclaiming of entries whose holder stopped refreshing them (<c>XAUTOCLAIM</c>), and a dead-letter stream.
/// </summary>
/// <remarks>
/// Reads are non-blocking (<c>XREADGROUP</c> without <c>BLOCK</c>): StackExchange.Redis multiplexes one connection and
/// never blocks it. Readers poll and are woken early by a pub/sub signal on enqueue; the signal is best effort, the poll
/// is the guarantee. The group is created on each stream with start id <c>0</c>, so entries added before it are read.
/// </remarks>
internal sealed class RedisJobQueue(IDatabase db, RedisKeys keys)
{
    private const string RefreshScript = """
        local lost = {}
        for i = 3, #ARGV do
          local p = redis.call('xpending', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2])
          if #p > 0 then
            redis.call('xclaim', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
          else
            table.insert(lost, ARGV[i])
          end
        end
        return lost
        """;

    private readonly HashSet<string> _groups = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Adds a job behind every job of its priority, registers the priority and wakes the readers.</summary>
    /// <param name="job">The job.</param>
    /// <param name="also">More writes to make in the same transaction (the job's record).</param>
    public async Task<RedisValue> EnqueueAsync(QueuedJob job, Action<ITransaction>? also = null)
    {
        var stream = keys.Queue(job.Priority);
        await EnsureGroupAsync(stream).ConfigureAwait(false);
        var batch = db.CreateTransaction();
        also?.Invoke(batch);
        var id = batch.StreamAddAsync(stream, [new NameValueEntry("job", job.JobId), new NameValueEntry("payload", job.ToJson())]);
        _ = batch.SortedSetAddAsync(keys.Priorities, job.Priority.ToString(System.Globalization.CultureInfo.InvariantCulture), job.Priority);
        _ = batch.PublishAsync(keys.QueueSignal, job.JobId);
        await batch.ExecuteAsync().ConfigureAwait(false);
        return await id.ConfigureAwait(false);
    }

    /// <summary>Takes up to <paramref name="count"/> new entries for <paramref name="consumer"/>, highest priority first.</summary>
    public async Task<IReadOnlyList<QueueEntry>> ReadAsync(string consumer, int count)
    {
        var taken = new List<QueueEntry>();
        foreach (var priority in await PrioritiesAsync().ConfigureAwait(false))
        {
            if (taken.Count >= count)
            {
                break;
            }

            var stream = keys.Queue(priority);
            await EnsureGroupAsync(stream).ConfigureAwait(false);
            var entries = await ForgettingLostGroups(db.StreamReadGroupAsync(stream, RedisKeys.Group, consumer, StreamPosition.NewMessages, count - taken.Count)).ConfigureAwait(false);
            taken.AddRange(entries.Select(e => ToEntry(stream, e)));
        }

        return taken;
    }

    /// <summary>Takes over entries of any consumer that nobody refreshed for <paramref name="minIdle"/> (their holder died),
    /// highest priority first.</summary>
    public async Task<IReadOnlyList<QueueEntry>> ReclaimAsync(string consumer, TimeSpan minIdle, int count)
    {
        var taken = new List<QueueEntry>();
        foreach (var priority in await PrioritiesAsync().ConfigureAwait(false))
        {
            var stream = keys.Queue(priority);
            await EnsureGroupAsync(stream).ConfigureAwait(false);
            RedisValue start = "0-0";
            do
            {
                var result = await ForgettingLostGroups(db.StreamAutoClaimAsync(stream, RedisKeys.Group, consumer, (long)minIdle.TotalMilliseconds, start, count)).ConfigureAwait(false);
                taken.AddRange(result.ClaimedEntries.Where(e => !e.IsNull).Select(e => ToEntry(stream, e)));
                start = result.NextStartId;
            }
            while (taken.Count < count && start != "0-0");
        }

        return taken;
    }

    /// <summary>
    /// Resets the idle time of entries this process still holds, so that nobody reclaims a job that is only slow, and
    /// returns those it no longer holds (another process reclaimed them while this one stalled). Atomic per stream:
    /// an entry is refreshed only if it is still in this consumer's pending list, so a refresh never takes a job back
    /// from the process that reclaimed it. Claiming with <c>JUSTID</c> does not count a delivery.
    /// </summary>
    public async Task<IReadOnlyList<RedisValue>> RefreshAsync(string consumer, IEnumerable<(RedisKey Stream, RedisValue Id)> held)
    {
        var lost = new List<RedisValue>();
        foreach (var group in held.GroupBy(h => h.Stream))
        {
            RedisValue[] args = [RedisKeys.Group, consumer, .. group.Select(h => h.Id)];
            var result = await db.ScriptEvaluateAsync(RefreshScript, [group.Key], args).ConfigureAwait(false);
            lost.AddRange(((RedisResult[])result!).Select(r => (RedisValue)r.ToString()));
        }

        return lost;
    }

    /// <summary>Acknowledges and deletes an entry: its job reached a final state (recorded before).</summary>
    public async Task AckAsync(RedisKey stream, RedisValue id)
    {
        var batch = db.CreateTransaction();
        _ = batch.StreamAcknowledgeAsync(stream, RedisKeys.Group, id);
        _ = batch.StreamDeleteAsync(stream, [id]);
        await batch.ExecuteAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Gives an entry back for another process: a copy goes to the back of its priority's stream and the original is
    /// acknowledged, in one transaction (streams cannot un-deliver an entry). Used when this process holds no server
    /// that can run the job.
    /// </summary>
    public async Task HandBackAsync(QueueEntry entry, Action<ITransaction>? also = null)
    {
        var batch = db.CreateTransaction();
        also?.Invoke(batch);
        _ = batch.StreamAddAsync(entry.Stream, entry.Raw);
        _ = batch.StreamAcknowledgeAsync(entry.Stream, RedisKeys.Group, entry.Id);
        _ = batch.StreamDeleteAsync(entry.Stream, [entry.Id]);
        _ = batch.PublishAsync(keys.QueueSignal, entry.Job?.JobId ?? string.Empty);
        await batch.ExecuteAsync().ConfigureAwait(false);
    }

    /// <summary>Moves an entry to the dead-letter stream with the reason, then acknowledges it.</summary>
    public async Task DeadLetterAsync(QueueEntry entry, string reason)
    {
        NameValueEntry[] fields =
        [
            new("reason", reason), new("stream", entry.Stream.ToString()), new("id", entry.Id),
            .. entry.Raw.Select(f => new NameValueEntry("entry." + f.Name, f.Value)),
        ];
        var batch = db.CreateTransaction();
        _ = batch.StreamAddAsync(keys.DeadLetters, fields, maxLength: 10_000, useApproximateMaxLength: true);
        _ = batch.StreamAcknowledgeAsync(entry.Stream, RedisKeys.Group, entry.Id);
        _ = batch.StreamDeleteAsync(entry.Stream, [entry.Id]);
        await batch.ExecuteAsync().ConfigureAwait(false);
    }

    /// <summary>Entries in a priority's stream not yet taken plus those taken and not acknowledged (tests, metrics).</summary>
    public async Task<long> LengthAsync(int priority) => await db.StreamLengthAsync(keys.Queue(priority)).ConfigureAwait(false);

    private static QueueEntry ToEntry(RedisKey stream, StreamEntry entry)
    {
        var payload = entry.Values.FirstOrDefault(v => v.Name == "payload").Value;
        return new QueueEntry(stream, entry.Id, QueuedJob.TryParse(payload.IsNull ? null : payload.ToString()), entry.Values ?? []);
    }

    private async Task<IReadOnlyList<int>> PrioritiesAsync()
    {
        var members = await db.SortedSetRangeByScoreAsync(keys.Priorities, order: Order.Descending).ConfigureAwait(false);
        return [.. members.Select(m => int.Parse(m.ToString(), System.Globalization.CultureInfo.InvariantCulture))];
    }

    private async Task EnsureGroupAsync(RedisKey stream)
    {
        lock (_lock)
        {
            if (_groups.Contains(stream.ToString()))
            {
                return;
            }
        }

        try
        {
            await db.StreamCreateConsumerGroupAsync(stream, RedisKeys.Group, "0", createStream: true).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.Contains("BUSYGROUP", StringComparison.Ordinal))
        {
            // Another process (or an earlier run) created it.
        }

        lock (_lock)
        {
            _groups.Add(stream.ToString());
        }
    }

    /// <summary>A Redis restarted without its data lost the groups: forget them so the next call creates them again.</summary>
    private async Task<T> ForgettingLostGroups<T>(Task<T> call)
    {
        try
        {
            return await call.ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.Contains("NOGROUP", StringComparison.Ordinal))
        {
            ForgetGroups();
            throw;
        }
    }

    /// <summary>Forgets which groups exist: after a Redis restart without persistence they must be created again.</summary>
    public void ForgetGroups()
    {
        lock (_lock)
        {
            _groups.Clear();
        }
    }
}
