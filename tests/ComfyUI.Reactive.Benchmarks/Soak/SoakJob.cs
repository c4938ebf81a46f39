using System.Diagnostics;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Pooling;

namespace ComfyUI.Reactive.Benchmarks.Soak;

/// <summary>
/// One soak job as its subscriber sees it: where its current attempt runs, every terminal notification (so a second
/// result is counted, not hidden), and when it was re-dispatched after its server was killed.
/// </summary>
internal sealed class SoakJob(int index, string expectedText)
{
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<int, double> _redispatches = [];
    private long _killedAt;
    private int _kill;
    private string? _promptAtKill;

    public int Index { get; } = index;

    /// <summary>The text the job's own PreviewAny must produce: a result with any other text belongs to another job.</summary>
    public string ExpectedText { get; } = expectedText;

    public IDisposable? Subscription { get; set; }

    public ServerId? Server { get; private set; }

    public string? PromptId { get; private set; }

    /// <summary>The prompt id of every attempt that was accepted, in order.</summary>
    public List<string> Prompts { get; } = [];

    public int Results { get; private set; }

    /// <summary>Whether a kill ever caught this job's accepted attempt in flight (its prompt may then run twice).</summary>
    public bool CaughtByKill { get; private set; }

    public int Terminals { get; private set; }

    public JobResult? Result { get; private set; }

    public Exception? Error { get; private set; }

    /// <summary>Milliseconds from the kill of this job's server to its next attempt being accepted elsewhere, per kill
    /// (numbered by the soak) that caught it in flight.</summary>
    public IReadOnlyDictionary<int, double> Redispatches
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<int, double>(_redispatches);
            }
        }
    }

    public Task Ended => _ended.Task;

    public bool IsEnded
    {
        get
        {
            lock (_lock)
            {
                return Terminals > 0;
            }
        }
    }

    /// <summary>If this job's current attempt runs on <paramref name="server"/> and it has not ended, remembers the kill
    /// so that its next acceptance measures the re-dispatch. Returns whether it was in flight there.</summary>
    public bool MarkKilled(ServerId server, long timestamp, int kill)
    {
        lock (_lock)
        {
            if (Terminals > 0 || Server != server || PromptId is null)
            {
                return false;
            }

            CaughtByKill = true;
            _killedAt = timestamp;
            _kill = kill;
            _promptAtKill = PromptId;
            return true;
        }
    }

    public void OnNext(JobUpdate update)
    {
        lock (_lock)
        {
            if (update is JobCompleted completed)
            {
                Results++;
                Result ??= completed.Result;
                return;
            }

            if (update is JobQueued && update.PromptId != PromptId)
            {
                Server = update.Server;
                PromptId = update.PromptId;
                Prompts.Add(update.PromptId);
                if (_promptAtKill is not null && update.PromptId != _promptAtKill)
                {
                    _redispatches[_kill] = Stopwatch.GetElapsedTime(_killedAt).TotalMilliseconds;
                    _promptAtKill = null;
                }
            }
        }
    }

    public void OnError(Exception error)
    {
        lock (_lock)
        {
            Terminals++;
            Error ??= error;
            _promptAtKill = null;
        }

        _ended.TrySetResult();
    }

    public void OnCompleted()
    {
        lock (_lock)
        {
            Terminals++;
            _promptAtKill = null;
        }

        _ended.TrySetResult();
    }
}
