using Microsoft.Extensions.Logging;

namespace ComfyUI.Reactive.Tests.Transport;

/// <summary>Collects formatted log lines (message and exception text) so tests can search them.</summary>
internal sealed class ListLogger : ILogger
{
    private readonly List<string> _lines = [];

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_lines)
        {
            _lines.Add($"{logLevel} {eventId.Id} {formatter(state, exception)} {exception}");
        }
    }
}
