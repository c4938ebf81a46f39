using System.Globalization;
using System.Text.Json;
using ComfyUI.Reactive.Redis.Queue;
using StackExchange.Redis;

namespace ComfyUI.Reactive.Redis.Records;

/// <summary>What a process learns when it takes a job: whether it already ended, how often it was taken, and where its
/// last attempt ran (server, prompt id) — what a re-attach needs.</summary>
internal sealed record TakenJob(string Status, long Deliveries, string? Server, string? PromptId, bool CancelRequested)
{
    public bool IsFinished => Status is JobRecordStore.Completed or JobRecordStore.Failed or JobRecordStore.Cancelled;
}

/// <summary>
/// Durable job records: a hash per job (status, payload, holder, the last attempt's server and prompt id, deliveries)
/// and a stream per job of its updates, read back by <see cref="RedisComfyPool.Observe"/> in any process. State changes
/// that must not race (take, finish, cancel) are Lua scripts: atomic in Redis.
/// </summary>
internal sealed class JobRecordStore(IDatabase db, RedisKeys keys, TimeSpan retainFor)
{
    public const string Queued = "queued";
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    /// <summary>Updates kept per job; progress frames beyond it are trimmed (the terminal update always stays: it is last).</summary>
    private const int MaxUpdates = 1000;

    private const string TakeScript = """
        local s = redis.call('hget', KEYS[1], 'status')
        if not s then return {'missing', 0, '', '', ''} end
        if s == 'completed' or s == 'failed' or s == 'cancelled' then return {s, 0, '', '', ''} end
        redis.call('hset', KEYS[1], 'status', 'running', 'holder', ARGV[1])
        local d = redis.call('hincrby', KEYS[1], 'deliveries', 1)
        return {s, d, redis.call('hget', KEYS[1], 'server') or '', redis.call('hget', KEYS[1], 'prompt') or '', redis.call('hget', KEYS[1], 'cancel') or ''}
        """;

    private const string FinishScript = """
        local s = redis.call('hget', KEYS[1], 'status')
        if s == 'completed' or s == 'failed' or s == 'cancelled' then return 0 end
        redis.call('hset', KEYS[1], 'status', ARGV[1])
        redis.call('xadd', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 'u', ARGV[2])
        redis.call('pexpire', KEYS[1], ARGV[3])
        redis.call('pexpire', KEYS[2], ARGV[3])
        redis.call('publish', ARGV[5], ARGV[6])
        return 1
        """;

    private const string CancelScript = """
        local s = redis.call('hget', KEYS[1], 'status')
        if s == 'queued' then
          redis.call('hset', KEYS[1], 'status', 'cancelled')
          redis.call('xadd', KEYS[2], '*', 'u', ARGV[1])
          redis.call('pexpire', KEYS[1], ARGV[2])
          redis.call('pexpire', KEYS[2], ARGV[2])
          redis.call('publish', ARGV[3], ARGV[5])
          return 1
        end
        if s == 'running' then
          redis.call('hset', KEYS[1], 'cancel', '1')
          redis.call('publish', ARGV[4], ARGV[5])
          return 2
        end
        return 0
        """;

    /// <summary>Adds the job's record to an enqueue transaction, so the record and the queue entry exist together.</summary>
    public void Create(ITransaction transaction, QueuedJob job) =>
        _ = transaction.HashSetAsync(keys.Job(job.JobId),
        [
            new("status", Queued), new("payload", job.ToJson()), new("priority", job.Priority),
            new("enqueued", job.EnqueuedAt.ToString("O", CultureInfo.InvariantCulture)),
        ]);

    /// <summary>Adds to a hand-back transaction: the job waits again (its deliveries stay counted).</summary>
    public void Requeue(ITransaction transaction, string jobId) =>
        _ = transaction.HashSetAsync(keys.Job(jobId), [new("status", Queued), new("holder", string.Empty)]);

    /// <summary>Marks the job taken by <paramref name="holder"/> (unless it ended) and counts the delivery.</summary>
    public async Task<TakenJob> TakeAsync(string jobId, string holder)
    {
        var r = (RedisResult[])(await db.ScriptEvaluateAsync(TakeScript, [keys.Job(jobId)], [holder]).ConfigureAwait(false))!;
        return new TakenJob(
            r[0].ToString(), (long)r[1], NonEmpty(r[2].ToString()), NonEmpty(r[3].ToString()), r[4].ToString() == "1");
    }

    /// <summary>Records an attempt's server and prompt id before its prompt is posted: a process that re-attaches later
    /// finds the prompt even when this one died in the instant after the POST.</summary>
    public Task RecordAttemptAsync(string jobId, string server, string promptId) =>
        db.HashSetAsync(keys.Job(jobId), [new("server", server), new("prompt", promptId)]);

    /// <summary>Appends an update; an update naming its server and prompt records them as the job's last attempt first,
    /// so a process that re-attaches later finds the prompt.</summary>
    public async Task AppendAsync(string jobId, StoredUpdate update)
    {
        var batch = db.CreateBatch();
        var tasks = new List<Task>();
        if (update.Server is { Length: > 0 } server && update.PromptId.Length > 0)
        {
            tasks.Add(batch.HashSetAsync(keys.Job(jobId), [new("server", server), new("prompt", update.PromptId)]));
        }

        tasks.Add(batch.StreamAddAsync(keys.Updates(jobId), [new NameValueEntry("u", Serialize(update))], maxLength: MaxUpdates, useApproximateMaxLength: true));
        tasks.Add(batch.PublishAsync(keys.UpdateSignal, jobId));
        batch.Execute();
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    /// <summary>Records the job's end once: false when it had already ended (a redelivered job finishing twice).</summary>
    public async Task<bool> FinishAsync(string jobId, StoredUpdate terminal)
    {
        var status = terminal.Kind switch
        {
            StoredUpdate.Completed => Completed,
            StoredUpdate.Cancelled => Cancelled,
            _ => Failed,
        };
        var result = await db.ScriptEvaluateAsync(
            FinishScript,
            [keys.Job(jobId), keys.Updates(jobId)],
            [status, Serialize(terminal), (long)retainFor.TotalMilliseconds, MaxUpdates, keys.UpdateSignal.ToString(), jobId]).ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <summary>Cancels a job: at once when it waits in the queue (its entry is acknowledged by whoever reads it later),
    /// through its holder when it runs. False when it ended or is unknown.</summary>
    public async Task<bool> CancelAsync(string jobId)
    {
        var terminal = Serialize(new StoredUpdate { Kind = StoredUpdate.Cancelled, Error = "The job was cancelled." });
        var result = await db.ScriptEvaluateAsync(
            CancelScript,
            [keys.Job(jobId), keys.Updates(jobId)],
            [terminal, (long)retainFor.TotalMilliseconds, keys.UpdateSignal.ToString(), keys.CancelSignal.ToString(), jobId]).ConfigureAwait(false);
        return (long)result != 0;
    }

    /// <summary>The job's status, or null when unknown (never enqueued, or expired after <see cref="RedisPoolOptions.RetainFor"/>).</summary>
    public async Task<string?> StatusAsync(string jobId)
    {
        var value = await db.HashGetAsync(keys.Job(jobId), "status").ConfigureAwait(false);
        return value.IsNull ? null : value.ToString();
    }

    /// <summary>Updates after <paramref name="after"/> (exclusive; <c>0-0</c> for all), oldest first.</summary>
    public async Task<IReadOnlyList<(RedisValue Id, StoredUpdate? Update)>> ReadUpdatesAsync(string jobId, RedisValue after, int count)
    {
        var entries = await db.StreamReadAsync(keys.Updates(jobId), after, count).ConfigureAwait(false);
        return [.. entries.Select(e => (e.Id, Deserialize(e["u"])))];
    }

    private static string Serialize(StoredUpdate update) => JsonSerializer.Serialize(update, RedisJsonContext.Default.StoredUpdate);

    private static StoredUpdate? Deserialize(RedisValue value)
    {
        if (value.IsNullOrEmpty)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(value.ToString(), RedisJsonContext.Default.StoredUpdate);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
