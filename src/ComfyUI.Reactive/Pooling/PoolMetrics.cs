using System.Diagnostics.Metrics;
using System.Reactive.Concurrency;

namespace ComfyUI.Reactive.Pooling;

/// <summary>
/// The pool's instruments on a <see cref="System.Diagnostics.Metrics.Meter"/> named <see cref="MeterName"/>; collect them
/// with OpenTelemetry (<c>AddMeter("ComfyUI.Reactive.Pool")</c>), <c>dotnet-counters</c> or a <see cref="MeterListener"/>.
/// Durations and utilisation are measured on the pool's scheduler clock.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term><c>comfyui.pool.queue.length</c></term><description>observable gauge, jobs waiting for a server.</description></item>
/// <item><term><c>comfyui.pool.job.wait_time</c></term><description>histogram (ms), tag <c>server</c>: from the moment a job
/// became ready (enqueued, or requeued after a failed attempt) to the start of its attempt.</description></item>
/// <item><term><c>comfyui.pool.job.run_time</c></term><description>histogram (ms), tags <c>server</c> and <c>outcome</c>
/// (<c>success</c>, <c>server_fault</c>, <c>workflow_fault</c>, <c>aborted</c>, <c>server_busy</c>): one attempt from start
/// to end.</description></item>
/// <item><term><c>comfyui.pool.server.utilization</c></term><description>observable gauge (0–1), tag <c>server</c>: time with
/// at least one job in flight divided by the time since the server joined.</description></item>
/// <item><term><c>comfyui.pool.attempts</c></term><description>counter, tag <c>server</c>: attempts started.</description></item>
/// <item><term><c>comfyui.pool.failures</c></term><description>counter, tags <c>server</c> and <c>kind</c>
/// (<c>server</c>, <c>workflow</c>, <c>busy</c>): attempts that failed (<c>busy</c>: waited behind other work, not counted
/// as an attempt of the job).</description></item>
/// </list>
/// </remarks>
internal sealed class PoolMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = Diagnostics.ComfyTelemetry.PoolMeterName;

    private readonly IScheduler _clock;
    private readonly bool _ownsMeter;
    private readonly Lock _lock = new();
    private readonly Dictionary<ServerId, Usage> _usage = [];
    private readonly Histogram<double> _waitTime;
    private readonly Histogram<double> _runTime;
    private readonly Counter<long> _attempts;
    private readonly Counter<long> _failures;

    /// <summary>Creates the meter and its instruments.</summary>
    /// <param name="clock">The clock durations are measured on.</param>
    /// <param name="queueLength">Reads the number of waiting jobs.</param>
    /// <param name="meterFactory">Creates the meter (the host's <see cref="IMeterFactory"/>, which then owns it); null: the
    /// pool creates and disposes its own.</param>
    public PoolMetrics(IScheduler clock, Func<long> queueLength, IMeterFactory? meterFactory = null)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(queueLength);
        _clock = clock;
        var version = typeof(PoolMetrics).Assembly.GetName().Version?.ToString();
        _ownsMeter = meterFactory is null;
        Meter = meterFactory?.Create(new MeterOptions(MeterName) { Version = version }) ?? new Meter(MeterName, version);
        Meter.CreateObservableGauge("comfyui.pool.queue.length", queueLength, "{job}", "Jobs waiting for a server.");
        _waitTime = Meter.CreateHistogram<double>("comfyui.pool.job.wait_time", "ms", "Time from a job being ready to its attempt starting.");
        _runTime = Meter.CreateHistogram<double>("comfyui.pool.job.run_time", "ms", "Time from an attempt's start to its end.");
        Meter.CreateObservableGauge("comfyui.pool.server.utilization", Utilization, "1", "Share of time a server had a job in flight.");
        _attempts = Meter.CreateCounter<long>("comfyui.pool.attempts", "{attempt}", "Attempts started.");
        _failures = Meter.CreateCounter<long>("comfyui.pool.failures", "{attempt}", "Attempts that failed.");
    }

    /// <summary>The meter (one per pool).</summary>
    public Meter Meter { get; }

    /// <summary>Starts measuring a server's utilisation from now.</summary>
    /// <param name="server">The server.</param>
    public void AddServer(ServerId server)
    {
        lock (_lock)
        {
            _usage.TryAdd(server, new Usage(_clock.Now));
        }
    }

    /// <summary>Stops reporting a server.</summary>
    /// <param name="server">The server.</param>
    public void RemoveServer(ServerId server)
    {
        lock (_lock)
        {
            _usage.Remove(server);
        }
    }

    /// <summary>Records whether a server has at least one job in flight (call on every change of that).</summary>
    /// <param name="server">The server.</param>
    /// <param name="busy">True when it has work.</param>
    public void SetBusy(ServerId server, bool busy)
    {
        lock (_lock)
        {
            if (!_usage.TryGetValue(server, out var usage) || (usage.BusySince is not null) == busy)
            {
                return;
            }

            var now = _clock.Now;
            if (busy)
            {
                usage.BusySince = now;
            }
            else
            {
                usage.Busy += now - usage.BusySince!.Value;
                usage.BusySince = null;
            }
        }
    }

    /// <summary>Records an attempt's start.</summary>
    /// <param name="server">Where it runs.</param>
    /// <param name="wait">How long the job waited since it became ready.</param>
    public void AttemptStarted(ServerId server, TimeSpan wait)
    {
        var tag = new KeyValuePair<string, object?>("server", server.Value);
        _attempts.Add(1, tag);
        _waitTime.Record(wait.TotalMilliseconds, tag);
    }

    /// <summary>Records an attempt's end.</summary>
    /// <param name="server">Where it ran.</param>
    /// <param name="run">How long it ran.</param>
    /// <param name="outcome"><c>success</c>, <c>server_fault</c>, <c>workflow_fault</c>, <c>aborted</c> or <c>server_busy</c>.</param>
    public void AttemptEnded(ServerId server, TimeSpan run, string outcome)
    {
        var serverTag = new KeyValuePair<string, object?>("server", server.Value);
        _runTime.Record(run.TotalMilliseconds, serverTag, new KeyValuePair<string, object?>("outcome", outcome));
        var kind = outcome switch
        {
            "server_fault" or "aborted" => "server",
            "workflow_fault" => "workflow",
            "server_busy" => "busy",
            _ => null,
        };
        if (kind is not null)
        {
            _failures.Add(1, serverTag, new KeyValuePair<string, object?>("kind", kind));
        }
    }

    /// <summary>Disposes the meter if the pool created it (its instruments stop reporting); a factory's meter is the
    /// factory's to dispose.</summary>
    public void Dispose()
    {
        if (_ownsMeter)
        {
            Meter.Dispose();
        }
    }

    private List<Measurement<double>> Utilization()
    {
        lock (_lock)
        {
            var now = _clock.Now;
            var measurements = new List<Measurement<double>>(_usage.Count);
            foreach (var (server, usage) in _usage)
            {
                var wall = now - usage.Since;
                var busy = usage.Busy + (usage.BusySince is { } since ? now - since : TimeSpan.Zero);
                var value = wall > TimeSpan.Zero ? busy / wall : 0d;
                measurements.Add(new Measurement<double>(value, new KeyValuePair<string, object?>("server", server.Value)));
            }

            return measurements;
        }
    }

    private sealed class Usage(DateTimeOffset since)
    {
        public DateTimeOffset Since { get; } = since;

        public TimeSpan Busy { get; set; }

        public DateTimeOffset? BusySince { get; set; }
    }
}
