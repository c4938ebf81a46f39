namespace ComfyUI.Reactive.Events;

/// <summary><c>logs</c>: flushed server output, sent only to sockets subscribed through <c>/internal/logs/subscribe</c>.</summary>
/// <param name="Entries">The log entries in order.</param>
/// <param name="Size">The server terminal's size; null when the server has no terminal.</param>
public sealed record LogsEvent(IReadOnlyList<LogEntry> Entries, TerminalSize? Size)
    : ComfyEvent(ComfyEventTypes.Logs, null);

/// <summary>One entry of <see cref="LogsEvent.Entries"/>.</summary>
/// <param name="Time">The server's time stamp as sent (<c>t</c>, an ISO-8601 string on current servers).</param>
/// <param name="Message">The text written (<c>m</c>), possibly several lines.</param>
public sealed record LogEntry(string Time, string Message);

/// <summary>The server terminal's size in <see cref="LogsEvent.Size"/>.</summary>
/// <param name="Columns">Columns (<c>cols</c>).</param>
/// <param name="Rows">Rows (<c>rows</c>).</param>
public sealed record TerminalSize(int Columns, int Rows);
