using Microsoft.Extensions.Logging;

namespace ComfyUI.Reactive.Tests.DependencyInjection;

/// <summary>A logger provider that keeps every formatted entry with its category, and lets a test await an entry.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly Lock _gate = new();
    private readonly List<(string Category, LogLevel Level, string Text)> _entries = [];
    private readonly List<(Func<string, string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];

    public IReadOnlyList<(string Category, LogLevel Level, string Text)> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>Completes with the text of the first entry (past or future) whose category and text match.</summary>
    public Task<string> WaitFor(Func<string, string, bool> match)
    {
        lock (_gate)
        {
            foreach (var (category, _, text) in _entries)
            {
                if (match(category, text))
                {
                    return Task.FromResult(text);
                }
            }

            var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, found));
            return found.Task;
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(string category, LogLevel level, string text)
    {
        lock (_gate)
        {
            _entries.Add((category, level, text));
            foreach (var waiter in _waiters.Where(w => w.Match(category, text)).ToList())
            {
                waiter.Found.TrySetResult(text);
                _waiters.Remove(waiter);
            }
        }
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Add(category, logLevel, formatter(state, exception));
    }
}
