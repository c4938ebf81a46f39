using System.Globalization;
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using Microsoft.Extensions.Logging;

namespace ComfyUI.Reactive.Transport;

/// <summary>One connect attempt of the socket (open, subscribe, hello, first message, within the connect timeout) and
/// the clean-up of a failed attempt or a closed session.</summary>
internal sealed partial class ReconnectingWebSocket
{
    /// <summary>One attempt: open, subscribe, send the hello frame, wait for the server's first message; all within
    /// the connect timeout. Returns null (after cleaning up) on failure; throws only when stopping.</summary>
    private async Task<Session?> TryConnectAsync(int attempt, CancellationToken stop)
    {
        TransportLog.Connecting(_logger, RedactedUri, attempt);
        using var attemptCts = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var timedOut = false;
        using var timer = _scheduler.Schedule(_connectTimeout, () =>
        {
            timedOut = true;
            TryCancel(attemptCts);
        });

        Task<IWebSocketConnection>? connecting = null;
        Session? session = null;
        try
        {
            connecting = _connector.ConnectAsync(_endpoint.Uri, _endpoint.Headers, attemptCts.Token);
            var connection = await WhenCompleted(connecting, attemptCts.Token).ResumeInline();

            // Synchronous continuations on purpose (see the class remarks on virtual time).
            var greeted = new TaskCompletionSource<bool>();
            var subscription = connection.Messages.Subscribe(new ConnectionObserver(this, greeted));
            session = new Session(connection, subscription);

            if (_helloFrame is not null)
            {
                await WhenCompleted(connection.SendTextAsync(_helloFrame, attemptCts.Token), attemptCts.Token).ResumeInline();
            }

            var first = await WhenCompleted(Task.WhenAny(greeted.Task, connection.Closed), attemptCts.Token).ResumeInline();
            if (first != greeted.Task)
            {
                var closure = await connection.Closed.ResumeInline();
                TransportLog.ConnectFailed(_logger, RedactedUri, attempt, _endpoint.Redact("closed before the first message, " + closure.Reason));
                await CloseQuietlyAsync(session).ResumeInline();
                return null;
            }

            return session;
        }
        catch (Exception ex) when (!stop.IsCancellationRequested)
        {
            var reason = timedOut
                ? "no connection within " + _connectTimeout.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + " ms"
                : Describe(ex);
            TransportLog.ConnectFailed(_logger, RedactedUri, attempt, _endpoint.Redact(reason));
            await CleanUpFailedAttemptAsync(session, connecting).ResumeInline();
            return null;
        }
        catch
        {
            await CleanUpFailedAttemptAsync(session, connecting).ResumeInline();
            throw;
        }
    }

    private async Task CleanUpFailedAttemptAsync(Session? session, Task<IWebSocketConnection>? connecting)
    {
        if (session is not null)
        {
            await CloseQuietlyAsync(session).ResumeInline();
        }
        else if (connecting is { IsCompleted: false })
        {
            // An abandoned attempt may still succeed later: never leave that socket open (it would hold our client id).
            _ = connecting.ContinueWith(
                static t => t.Result.DisposeAsync().AsTask(),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
        else if (connecting is { IsCompletedSuccessfully: true })
        {
            await connecting.Result.DisposeAsync().AsTask().ResumeInline();
        }
    }

    /// <summary>Closes (handshake awaited, bounded by the connect timeout), unsubscribes and disposes. Never throws.</summary>
    private async Task CloseQuietlyAsync(Session session)
    {
        using var cts = new CancellationTokenSource();
        using (_scheduler.Schedule(_connectTimeout, () => TryCancel(cts)))
        {
            try
            {
                await WhenCompleted(session.Connection.CloseAsync(cts.Token), cts.Token).ResumeInline();
            }
            catch (Exception ex)
            {
                LogCloseFailed(ex);
            }
        }

        session.Subscription.Dispose();
        try
        {
            await session.Connection.DisposeAsync().AsTask().ResumeInline();
        }
        catch (Exception ex)
        {
            LogCloseFailed(ex);
        }
    }
}
