using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using ComfyUI.Reactive.Jobs;

namespace ComfyUI.Reactive.Samples.WebApp;

/// <summary>
/// One job's updates as Server-Sent Events, each named after the update: <c>queued</c>, <c>started</c>, <c>progress</c>,
/// <c>preview</c>, <c>attempt_failed</c>, then exactly one of <c>completed</c>, <c>failed</c>, <c>cancelled</c>, after which
/// the stream ends. The data is JSON; previews carry their image as a data URI. The stream also ends when the browser
/// goes away or the app stops (<paramref name="stopping"/>: Kestrel would otherwise wait out its shutdown timeout for it).
/// </summary>
internal static class JobUpdateEvents
{
    public static async IAsyncEnumerable<SseItem<object>> StreamAsync(
        string id, IObservable<JobUpdate> updates, CancellationToken stopping, [EnumeratorCancellation] CancellationToken requestAborted)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, stopping);
        var ct = linked.Token;
        // Bounded: a slow reader gets the newest progress and previews; the result and the error are never dropped.
        await using var reader = updates.ToAsyncEnumerable(cancellationToken: ct).GetAsyncEnumerator(ct);
        while (true)
        {
            SseItem<object>? item;
            try
            {
                if (!await reader.MoveNextAsync())
                {
                    yield break;
                }

                item = ToEvent(id, reader.Current);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                yield break;   // the browser went away or the app stops; the job goes on
            }
            catch (OperationCanceledException)
            {
                item = new(new { id }, "cancelled");
            }
            catch (Exception ex)
            {
                item = new(new { id, error = ex.Message, type = ex.GetType().Name }, "failed");
            }

            if (item is { } named)
            {
                yield return named;
                if (named.EventType is "completed" or "failed" or "cancelled")
                {
                    yield break;
                }
            }
        }
    }

    private static SseItem<object>? ToEvent(string id, JobUpdate update) => update switch
    {
        JobQueued q => new(new { id, position = q.Position }, "queued"),
        JobStarted s => new(new { id, server = s.Server?.Value, promptId = s.PromptId }, "started"),
        JobProgress p => new(new { id, fraction = p.Fraction, remainingSeconds = p.EstimatedRemaining?.TotalSeconds, node = p.NodeId, value = p.Value, max = p.Max }, "progress"),
        JobPreview v => new(new { id, image = DataUri(v) }, "preview"),
        JobAttemptFailed f => new(new { id, attempt = f.Attempt, error = f.Reason.Message, willRetry = f.WillRetry }, "attempt_failed"),
        JobCompleted c => new(new { id, image = $"/render/{id}/image", seconds = c.Result.Timings.Total.TotalSeconds }, "completed"),
        _ => null,
    };

    public static string DataUri(JobPreview preview) => $"data:{preview.MimeType};base64,{Convert.ToBase64String(preview.Image.Span)}";
}
