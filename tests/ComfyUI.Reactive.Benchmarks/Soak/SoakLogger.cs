using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace ComfyUI.Reactive.Benchmarks.Soak;

/// <summary>The pool's and the clients' log lines in the soak's log, on the soak's clock (<c>--trace 1</c>), to see why
/// a server left rotation or a job failed.</summary>
internal sealed class SoakLogger(TextWriter log, Stopwatch clock, string source) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        var line = string.Create(CultureInfo.InvariantCulture, $"[{clock.Elapsed.TotalSeconds,6:F1} s] {source} {logLevel}: {formatter(state, exception)}");
        lock (log)
        {
            log.WriteLine(line);
        }
    }
}
