using System.Reactive.Linq;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.IntegrationTests.Emulator;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.IntegrationTests.Jobs;

/// <summary>An emulator and clients pointed at it, plus a recorder that counts terminal notifications.</summary>
internal sealed class JobHarness : IAsyncDisposable
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    private readonly List<ComfyClient> _clients = [];

    private JobHarness(ComfyEmulator emulator)
    {
        Emulator = emulator;
        Http = new HttpClient { BaseAddress = emulator.BaseAddress };
    }

    public ComfyEmulator Emulator { get; }

    public HttpClient Http { get; }

    public static async Task<JobHarness> StartAsync(ComfyEmulatorOptions? options = null) =>
        new(await ComfyEmulator.StartAsync(options ?? new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.FromMilliseconds(2) }));

    public ComfyClient Client(Action<ComfyClientOptions>? configure = null)
    {
        var options = new ComfyClientOptions
        {
            BaseAddress = Emulator.BaseAddress,
            ReconnectInitialDelay = TimeSpan.FromMilliseconds(50),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(200),
        };
        configure?.Invoke(options);
        var client = new ComfyClient(options);
        _clients.Add(client);
        return client;
    }

    public static Workflow Load(string name) => Workflow.Parse(Fixture.Workflow(name));

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.DisposeAsync();
        }

        Http.Dispose();
        await Emulator.DisposeAsync();
    }
}

/// <summary>Everything one subscription saw, with a count of terminal notifications.</summary>
internal sealed class JobRecording
{
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<JobUpdate> _updates = [];
    private int _terminals;

    private JobRecording()
    {
    }

    public IDisposable Subscription { get; private set; } = null!;

    public Exception? Error { get; private set; }

    public int Terminals => Volatile.Read(ref _terminals);

    public IReadOnlyList<JobUpdate> Updates
    {
        get
        {
            lock (_updates)
            {
                return [.. _updates];
            }
        }
    }

    public JobResult? Result => Updates.OfType<JobCompleted>().SingleOrDefault()?.Result;

    public string? PromptId => Updates is [var first, ..] ? first.PromptId : null;

    public static JobRecording Start(IObservable<JobUpdate> job)
    {
        var recording = new JobRecording();
        recording.Subscription = job.Subscribe(
            recording.Add,
            e =>
            {
                recording.Error = e;
                Interlocked.Increment(ref recording._terminals);
                recording._ended.TrySetResult();
            },
            () =>
            {
                Interlocked.Increment(ref recording._terminals);
                recording._ended.TrySetResult();
            });
        return recording;
    }

    public Task Ended => _ended.Task;

    public Task EndedAsync() => _ended.Task.WaitAsync(JobHarness.Wait);

    /// <summary>Waits (bounded) until an update matching <paramref name="predicate"/> has arrived.</summary>
    public async Task<T> WaitForAsync<T>(Func<T, bool>? predicate = null)
        where T : JobUpdate
    {
        var waiter = new TaskCompletionSource<JobUpdate>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool Matches(JobUpdate u) => u is T t && predicate?.Invoke(t) != false;
        lock (_updates)
        {
            if (_updates.FirstOrDefault(Matches) is { } found)
            {
                return (T)found;
            }

            _waiters.Add((Matches, waiter));
        }

        await Task.WhenAny(waiter.Task, _ended.Task).WaitAsync(JobHarness.Wait);

        // Both may be complete (the update, then the end right after it); their continuations run asynchronously, so
        // WhenAny may report either: the update counts if it came.
        if (!waiter.Task.IsCompleted)
        {
            throw new InvalidOperationException(
                $"The job ended before a {typeof(T).Name}: {Error?.ToString() ?? "completed"}; updates: {string.Join(", ", Updates.Select(u => $"{u.GetType().Name}@{u.Server}"))}");
        }

        return (T)await waiter.Task;
    }

    private readonly List<(Func<JobUpdate, bool> Matches, TaskCompletionSource<JobUpdate> Waiter)> _waiters = [];

    private void Add(JobUpdate update)
    {
        lock (_updates)
        {
            _updates.Add(update);
            foreach (var (matches, waiter) in _waiters.ToArray())
            {
                if (matches(update))
                {
                    waiter.TrySetResult(update);
                    _waiters.RemoveAll(w => w.Waiter == waiter);
                }
            }
        }
    }
}
