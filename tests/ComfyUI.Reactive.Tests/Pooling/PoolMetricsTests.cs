using System.Diagnostics.Metrics;
using ComfyUI.Reactive.Pooling;
using Microsoft.Reactive.Testing;

namespace ComfyUI.Reactive.Tests.Pooling;

public sealed class PoolMetricsTests : IDisposable
{
    private static readonly ServerId A = new("a");
    private static readonly ServerId B = new("b");
    private readonly TestScheduler _scheduler = new();
    private readonly MeterListener _listener = new();
    private readonly List<(string Name, double Value, Dictionary<string, object?> Tags)> _measured = [];
    private long _queueLength;
    private readonly PoolMetrics _metrics;

    public PoolMetricsTests()
    {
        _metrics = new PoolMetrics(_scheduler, () => _queueLength);
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            // Only this test's meter: other tests may run pools at the same time.
            if (ReferenceEquals(instrument.Meter, _metrics.Meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    public void Dispose()
    {
        _listener.Dispose();
        _metrics.Dispose();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags) =>
        _measured.Add((instrument.Name, value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));

    private List<(string Name, double Value, Dictionary<string, object?> Tags)> Named(string name) =>
        [.. _measured.Where(m => m.Name == name)];

    [Fact]
    public void Meter_HasThePoolsName()
    {
        Assert.Equal("ComfyUI.Reactive.Pool", _metrics.Meter.Name);
    }

    [Fact]
    public void QueueLength_ObservedOnCollect()
    {
        _queueLength = 7;

        _listener.RecordObservableInstruments();

        Assert.Equal(7, Assert.Single(Named("comfyui.pool.queue.length")).Value);
    }

    [Fact]
    public void AttemptStarted_CountsAndRecordsWaitWithServerTag()
    {
        _metrics.AttemptStarted(A, TimeSpan.FromMilliseconds(250));

        var wait = Assert.Single(Named("comfyui.pool.job.wait_time"));
        Assert.Equal(250, wait.Value);
        Assert.Equal("a", wait.Tags["server"]);
        Assert.Equal(1, Assert.Single(Named("comfyui.pool.attempts")).Value);
    }

    [Theory]
    [InlineData("success", null)]
    [InlineData("server_fault", "server")]
    [InlineData("aborted", "server")]
    [InlineData("workflow_fault", "workflow")]
    public void AttemptEnded_RecordsRunTimeAndCountsFailuresByKind(string outcome, string? kind)
    {
        _metrics.AttemptEnded(B, TimeSpan.FromSeconds(2), outcome);

        var run = Assert.Single(Named("comfyui.pool.job.run_time"));
        Assert.Equal(2000, run.Value);
        Assert.Equal(outcome, run.Tags["outcome"]);
        var failures = Named("comfyui.pool.failures");
        if (kind is null)
        {
            Assert.Empty(failures);
        }
        else
        {
            Assert.Equal(kind, Assert.Single(failures).Tags["kind"]);
        }
    }

    [Fact]
    public void Utilization_BusyTimeOverWallTimePerServer()
    {
        _metrics.AddServer(A);
        _metrics.AddServer(B);
        _scheduler.AdvanceBy(TimeSpan.FromSeconds(10).Ticks);
        _metrics.SetBusy(A, true);
        _scheduler.AdvanceBy(TimeSpan.FromSeconds(20).Ticks);
        _metrics.SetBusy(A, false);
        _scheduler.AdvanceBy(TimeSpan.FromSeconds(10).Ticks);
        _metrics.SetBusy(A, true);
        _metrics.SetBusy(A, true); // repeated: no double counting
        _scheduler.AdvanceBy(TimeSpan.FromSeconds(10).Ticks);

        _listener.RecordObservableInstruments();

        var byServer = Named("comfyui.pool.server.utilization").ToDictionary(m => (string)m.Tags["server"]!, m => m.Value);
        Assert.Equal(30.0 / 50.0, byServer["a"], 6);
        Assert.Equal(0, byServer["b"]);
    }

    [Fact]
    public void RemoveServer_NoLongerReported()
    {
        _metrics.AddServer(A);
        _metrics.RemoveServer(A);

        _listener.RecordObservableInstruments();

        Assert.Empty(Named("comfyui.pool.server.utilization"));
    }
}
