using System.ComponentModel;
using System.Reactive.Subjects;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.UiBindings;
using Microsoft.Reactive.Testing;

namespace ComfyUI.Reactive.Tests.UiBindings;

/// <summary>The view-model sample in virtual time: nothing changes off the UI scheduler, then every state shows.</summary>
public sealed class RenderJobViewModelTests : IDisposable
{
    private readonly TestScheduler _ui = new();
    private readonly Subject<JobUpdate> _job = new();
    private readonly List<string?> _changed = [];
    private readonly RenderJobViewModel _vm;

    public RenderJobViewModelTests()
    {
        _vm = new RenderJobViewModel(_ui);
        _vm.PropertyChanged += (_, e) => _changed.Add(e.PropertyName);
        _vm.Start(_job);
        RunUi();
        _changed.Clear();
    }

    // A TestScheduler runs work due "now" one tick later, and ObserveOn drains one notification per scheduled step.
    private void RunUi() => _ui.AdvanceBy(100);

    public void Dispose()
    {
        _vm.Dispose();
        _job.Dispose();
    }

    [Fact]
    public void Updates_BeforeTheUiSchedulerRuns_ChangeNothing()
    {
        _job.OnNext(new JobStarted("p1", TimeSpan.Zero));
        _job.OnNext(new JobProgress("p1", "3", 5, 20, 0.25));

        Assert.Empty(_changed);
        Assert.Equal(0, _vm.Progress);

        RunUi();

        Assert.Equal("Running", _vm.Status);
        Assert.Equal(0.25, _vm.Progress);
        Assert.Equal([nameof(RenderJobViewModel.Status), nameof(RenderJobViewModel.Progress)], _changed);
    }

    [Fact]
    public void Completed_ResultProgressAndStatusShowTheEnd()
    {
        var at = new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
        var result = JobResult.Create("p1", at, at.AddSeconds(3), at.AddSeconds(1));

        _job.OnNext(new JobQueued("p1", 2, new Dictionary<string, Models.NodeValidationError>()));
        _job.OnNext(new JobPreview("p1", "3", new byte[] { 1, 2, 3 }, "image/jpeg"));
        _job.OnNext(new JobCompleted("p1", result));
        _job.OnCompleted();
        RunUi();

        Assert.Same(result, _vm.Result);
        Assert.Equal(TimeSpan.FromSeconds(2), result.Timings.Execution);
        Assert.Equal(1.0, _vm.Progress);
        Assert.Equal("Completed", _vm.Status);
        Assert.False(_vm.IsRunning);
        Assert.Equal(new byte[] { 1, 2, 3 }, _vm.Preview!.Value.ToArray());
        Assert.Contains(nameof(RenderJobViewModel.IsRunning), _changed);
    }

    [Fact]
    public void Failed_ErrorShownAndNotRunning()
    {
        _job.OnError(new ComfyExecutionException("KSampler raised: out of memory"));
        RunUi();

        Assert.Equal("Failed", _vm.Status);
        Assert.Equal("KSampler raised: out of memory", _vm.Error);
        Assert.False(_vm.IsRunning);
    }

    [Fact]
    public void Cancel_StopsFollowingTheJob()
    {
        _vm.Cancel();
        _job.OnNext(new JobProgress("p1", "3", 5, 20, 0.25));
        RunUi();

        Assert.False(_job.HasObservers);
        Assert.Equal("Cancelled", _vm.Status);
        Assert.Equal(0, _vm.Progress);
    }
}
