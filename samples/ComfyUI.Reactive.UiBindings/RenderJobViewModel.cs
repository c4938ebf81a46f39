using System.ComponentModel;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Runtime.CompilerServices;
using ComfyUI.Reactive.Jobs;

namespace ComfyUI.Reactive.UiBindings;

/// <summary>
/// One render job as bindable properties: status text, progress (0..1), the latest preview, the result or the error.
/// Fed by a job's <see cref="IObservable{T}"/> of <see cref="JobUpdate"/>s (<c>client.Run(...)</c>, <c>pool.Run(...)</c> or
/// <c>pool.Observe(jobId)</c>) moved onto the UI thread with <c>ObserveOn</c>: every property changes, and every
/// <see cref="PropertyChanged"/> is raised, on <paramref name="ui"/> only.
/// </summary>
/// <param name="ui">The UI thread's scheduler (e.g. <c>new SynchronizationContextScheduler(SynchronizationContext.Current!)</c>,
/// or a <c>TestScheduler</c> in tests).</param>
public sealed class RenderJobViewModel(IScheduler ui) : INotifyPropertyChanged, IDisposable
{
    private IDisposable? _subscription;
    private string _status = "Idle";
    private double _progress;
    private ReadOnlyMemory<byte>? _preview;
    private JobResult? _result;
    private string? _error;
    private bool _isRunning;

    /// <inheritdoc />
    public event PropertyChangedEventHandler? PropertyChanged;

    /// <summary>What the job is doing, for a status line.</summary>
    public string Status { get => _status; private set => Set(ref _status, value); }

    /// <summary>The whole job's progress, 0..1, for a progress bar.</summary>
    public double Progress { get => _progress; private set => Set(ref _progress, value); }

    /// <summary>The latest preview image's bytes, or null.</summary>
    public ReadOnlyMemory<byte>? Preview { get => _preview; private set => Set(ref _preview, value); }

    /// <summary>The result once completed.</summary>
    public JobResult? Result { get => _result; private set => Set(ref _result, value); }

    /// <summary>The error message once failed.</summary>
    public string? Error { get => _error; private set => Set(ref _error, value); }

    /// <summary>Whether the job is running (enable a Cancel button with it).</summary>
    public bool IsRunning { get => _isRunning; private set => Set(ref _isRunning, value); }

    /// <summary>Starts following <paramref name="job"/> (subscribing a cold job starts it).</summary>
    /// <param name="job">The job's updates.</param>
    public void Start(IObservable<JobUpdate> job)
    {
        ArgumentNullException.ThrowIfNull(job);
        _subscription?.Dispose();
        IsRunning = true;
        Status = "Submitting";

        // ObserveOn moves every notification to the UI thread; the SDK calls back on socket threads.
        _subscription = job.ObserveOn(ui).Subscribe(OnUpdate, OnError, OnCompleted);
    }

    /// <summary>Stops following the job; for a cold job this cancels it on the server.</summary>
    public void Cancel()
    {
        _subscription?.Dispose();
        _subscription = null;
        if (IsRunning)
        {
            IsRunning = false;
            Status = "Cancelled";
        }
    }

    /// <summary>Same as <see cref="Cancel"/>.</summary>
    public void Dispose() => Cancel();

    private void OnUpdate(JobUpdate update)
    {
        switch (update)
        {
            case JobQueued { Position: { } position }:
                Status = $"Queued ({position} ahead)";
                break;
            case JobQueued:
                Status = "Queued";
                break;
            case JobStarted:
                Status = "Running";
                break;
            case JobAttemptFailed { WillRetry: true } failed:
                Status = $"Retrying after: {failed.Reason.Message}";
                Progress = 0;
                break;
            case JobProgress progress:
                Progress = progress.Fraction;
                break;
            case JobPreview preview:
                Preview = preview.Image;
                break;
            case JobCompleted completed:
                Result = completed.Result;
                Progress = 1;
                break;
        }
    }

    private void OnError(Exception error)
    {
        Error = error.Message;
        Status = "Failed";
        IsRunning = false;
    }

    private void OnCompleted()
    {
        Status = "Completed";
        IsRunning = false;
    }

    private void Set<T>(ref T field, T value, [CallerMemberName] string? name = null)
    {
        if (EqualityComparer<T>.Default.Equals(field, value))
        {
            return;
        }

        field = value;
        PropertyChanged?.Invoke(this, new PropertyChangedEventArgs(name));
    }
}
