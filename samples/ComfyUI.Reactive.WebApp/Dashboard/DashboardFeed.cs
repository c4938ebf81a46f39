using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Pooling;
using ComfyUI.Reactive.Registry;

namespace ComfyUI.Reactive.Samples.WebApp.Dashboard;

/// <summary>
/// The dashboard's one event stream, made of the pool's observables: <c>pool.Servers</c> (each server's latest state,
/// then every change) and <c>pool.Jobs</c> (every job's lifecycle, progress and previews sampled by the pool), after a
/// snapshot of the jobs the pool keeps (<c>GetJobsAsync</c>). Events: <c>server</c>, <c>job</c> (a job's row: only the
/// fields that changed), <c>preview</c>.
/// </summary>
/// <remarks>
/// The live streams are subscribed before the snapshot is read, so nothing falls between them; an event that the
/// snapshot already contains may come again, and the page ignores what would move a finished job back. The bridge from
/// push to pull is a bounded channel: a reader that falls <see cref="Capacity"/> events behind is disconnected, and the
/// browser's EventSource reconnects to a fresh snapshot, so memory stays bounded and no terminal event is lost silently.
/// </remarks>
internal static class DashboardFeed
{
    public const int Capacity = 1024;

    /// <param name="pool">The pool.</param>
    /// <param name="stopping">The app stops: the stream ends (Kestrel would otherwise wait out its shutdown timeout for it).</param>
    /// <param name="requestAborted">The browser went away.</param>
    public static async IAsyncEnumerable<SseItem<object>> StreamAsync(
        ComfyPool pool, CancellationToken stopping, [EnumeratorCancellation] CancellationToken requestAborted)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, stopping);
        var ct = linked.Token;
        var channel = Channel.CreateBounded<object>(new BoundedChannelOptions(Capacity) { SingleReader = true });

        // Rx calls these on the pool's threads, under a job's lock: only a non-blocking write here.
        void Offer(object item)
        {
            if (!channel.Writer.TryWrite(item))
            {
                channel.Writer.TryComplete();
            }
        }

        using var servers = pool.Servers.Subscribe(Offer, _ => channel.Writer.TryComplete(), () => channel.Writer.TryComplete());
        using var jobs = pool.Jobs.Subscribe(Offer, _ => channel.Writer.TryComplete(), () => channel.Writer.TryComplete());

        foreach (var job in (await pool.GetJobsAsync(ct)).OrderBy(j => j.EnqueuedAt))
        {
            yield return Row(job);
            if (job.LatestPreview is { } preview && !job.IsFinished)
            {
                yield return Preview(job.Id, preview);
            }
        }

        await foreach (var item in ReadAsync(channel.Reader, ct))
        {
            switch (item)
            {
                case ServerStatus server:
                    yield return new(new
                    {
                        name = server.Server.Value,
                        state = server.State.ToString(),
                        inFlight = server.InFlight,
                        capacity = server.Capacity,
                    }, "server");
                    break;
                case JobEvent { Kind: JobEventKind.Preview, Update: JobPreview preview } e:
                    yield return Preview(e.Id, preview);
                    break;
                case JobEvent { Kind: JobEventKind.Queued } e when await pool.GetAsync(e.Id, ct) is { } queued:
                    yield return Row(queued);   // the snapshot carries the labels (the prompt), the event does not
                    break;
                case JobEvent e:
                    yield return Row(e);
                    break;
            }
        }
    }

    private static async IAsyncEnumerable<object> ReadAsync(ChannelReader<object> reader, [EnumeratorCancellation] CancellationToken ct)
    {
        while (true)
        {
            bool more;
            try
            {
                more = await reader.WaitToReadAsync(ct);
            }
            catch (OperationCanceledException)
            {
                yield break;   // the browser went away, or the app stops
            }

            if (!more)
            {
                yield break;
            }

            while (reader.TryRead(out var item))
            {
                yield return item;
            }
        }
    }

    private static SseItem<object> Row(JobSnapshot job) => new(new
    {
        id = job.Id.Value,
        status = job.Status.ToString().ToLowerInvariant(),
        prompt = job.Labels.GetValueOrDefault(RenderEndpoints.PromptLabel),
        server = job.Server?.Value,
        fraction = job.Fraction,
        error = job.Status == JobStatus.Failed ? job.Error?.Message : null,
        enqueuedAt = job.EnqueuedAt,
    }, "job");

    private static SseItem<object> Row(JobEvent e) => new(new
    {
        id = e.Id.Value,
        status = e.Kind switch
        {
            JobEventKind.Queued => "queued",
            JobEventKind.AttemptFailed when e.Update is JobAttemptFailed { WillRetry: true } => "queued",
            JobEventKind.Completed => "completed",
            JobEventKind.Failed => "failed",
            JobEventKind.Cancelled => "cancelled",
            _ => "running",
        },
        server = e.Server?.Value,
        fraction = e.Fraction,
        remainingSeconds = (e.Update as JobProgress)?.EstimatedRemaining?.TotalSeconds,
        error = e.Kind is JobEventKind.Failed or JobEventKind.AttemptFailed ? e.Error?.Message : null,
    }, "job");

    private static SseItem<object> Preview(JobId id, JobPreview preview) =>
        new(new { id = id.Value, image = JobUpdateEvents.DataUri(preview) }, "preview");
}
