using System.Reactive.Concurrency;
using ComfyUI.Reactive.Registry;
using Microsoft.Extensions.Logging;

namespace ComfyUI.Reactive;

/// <summary>How a <c>ComfyClient</c> reaches its server. Validated when the client is created.</summary>
public sealed class ComfyClientOptions
{
    /// <summary>The server's base address, <c>http://</c> or <c>https://</c> (mapped to <c>ws://</c>/<c>wss://</c> for the socket).
    /// A path (for servers behind a reverse proxy under a prefix) is kept. Default <c>http://127.0.0.1:8188/</c>.</summary>
    public Uri BaseAddress { get; set; } = new("http://127.0.0.1:8188/");

    /// <summary>The websocket session id sent as <c>clientId</c> and as <c>client_id</c> on every submission.
    /// Null (the default) means a fresh random id per client instance.</summary>
    public string? ClientId { get; set; }

    /// <summary>Credentials applied to every HTTP request and to the websocket upgrade (basic, bearer, custom headers, query tokens).</summary>
    public IList<ComfyCredentials> Credentials { get; } = new List<ComfyCredentials>();

    /// <summary>Timeout of one HTTP request (not of a job). Default 100 seconds.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>An HTTP client to send requests through (proxies, certificates, handlers of your own).
    /// The client does not dispose it. Credentials are still applied per request.</summary>
    public HttpClient? HttpClient { get; set; }

    /// <summary>An HTTP message handler to send requests through, used when <see cref="HttpClient"/> is null.
    /// The client does not dispose it.</summary>
    public HttpMessageHandler? HttpMessageHandler { get; set; }

    /// <summary>Where the client logs (connects, reconnects, skipped frames). Default: nowhere. Never receives a credential.</summary>
    public ILogger? Logger { get; set; }

    /// <summary>The scheduler for every timer of the client (reconnect backoff, timeouts, probes).
    /// Tests pass a <c>TestScheduler</c> to run time virtually. Default <see cref="DefaultScheduler.Instance"/>.</summary>
    public IScheduler Scheduler { get; set; } = DefaultScheduler.Instance;

    /// <summary>Where jobs learn what each node of a workflow costs (by <see cref="Workflows.Workflow.Hash"/>), so that
    /// <see cref="Jobs.JobProgress.Fraction"/> weighs nodes by their measured time and
    /// <see cref="Jobs.JobProgress.EstimatedRemaining"/> is known from a workflow's second run on. Every successful job
    /// records its node times here. Default: a per-client <see cref="Jobs.Progress.InMemoryProgressHistory"/>; share one
    /// between clients (a pool's servers) to learn across them; null: nodes weigh their steps only.</summary>
    public Jobs.Progress.IProgressHistory? ProgressHistory { get; set; } = new Jobs.Progress.InMemoryProgressHistory();

    /// <summary>How long and how many finished jobs enqueued by id (<c>ComfyClient.Enqueue</c>) are kept, and how often
    /// <c>ComfyClient.Jobs</c> reports progress. Default: <see cref="JobRegistryOptions"/>'s defaults.</summary>
    public JobRegistryOptions Registry { get; set; } = new();

    /// <summary>Creates the client's meter (<see cref="Diagnostics.ComfyTelemetry.ClientMeterName"/>): pass the host's
    /// <see cref="System.Diagnostics.Metrics.IMeterFactory"/>. Null: the client creates its own meter.</summary>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; set; }

    /// <summary>The delay before the first reconnect attempt after a disconnect; doubled per failed attempt. Default 250 ms.</summary>
    public TimeSpan ReconnectInitialDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The cap of the reconnect delay. Default 10 seconds.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The timeout of one websocket connect attempt (TCP + upgrade + first frame). Default 10 seconds.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether to negotiate <c>supports_preview_metadata</c>, so previews arrive as type-4 frames that carry
    /// their prompt and node ids. Default true; turn off only to test legacy behaviour.</summary>
    public bool RequestPreviewMetadata { get; set; } = true;

    /// <summary>Largest websocket message accepted, in bytes; the rest of a bigger one is read and discarded as it
    /// arrives (never buffered), and the message is logged and dropped, never handed to subscribers. Memory per
    /// connection stays below this plus one receive chunk. Default 64 MiB (a full-size PNG from SaveImageWebsocket
    /// fits).</summary>
    public int MaxFrameBytes { get; set; } = 64 * 1024 * 1024;

    // REST

    /// <summary>Whether REST calls use the <c>/api/...</c> paths (default true). Set false only for servers older than
    /// mid-2024, which have bare paths only (<c>/prompt</c>, <c>/queue</c>, ...). The jobs API always uses <c>/api/jobs</c>,
    /// the only path it has.</summary>
    public bool UseApiPrefix { get; set; } = true;

    /// <summary>The Comfy.org API key for paid API nodes, put into <c>extra_data.api_key_comfy_org</c> of every job
    /// submission (a job's own <c>JobOptions.ComfyOrgApiKey</c> wins). Never logged or printed.</summary>
    public string? ComfyOrgApiKey { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> when an option is out of range.</summary>
    public void Validate()
    {
        if (BaseAddress is null || !BaseAddress.IsAbsoluteUri ||
            (BaseAddress.Scheme != Uri.UriSchemeHttp && BaseAddress.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("BaseAddress must be an absolute http:// or https:// URI.", nameof(BaseAddress));
        }

        if (ClientId is { Length: 0 })
        {
            throw new ArgumentException("ClientId must be null (generate one) or non-empty.", nameof(ClientId));
        }

        if (RequestTimeout <= TimeSpan.Zero && RequestTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException("RequestTimeout must be positive or infinite.", nameof(RequestTimeout));
        }

        if (ReconnectInitialDelay < TimeSpan.Zero || ReconnectMaxDelay < ReconnectInitialDelay)
        {
            throw new ArgumentException("Reconnect delays must satisfy 0 <= ReconnectInitialDelay <= ReconnectMaxDelay.", nameof(ReconnectMaxDelay));
        }

        if (ConnectTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("ConnectTimeout must be positive.", nameof(ConnectTimeout));
        }

        if (MaxFrameBytes < 1024)
        {
            throw new ArgumentException("MaxFrameBytes must be at least 1024.", nameof(MaxFrameBytes));
        }

        ArgumentNullException.ThrowIfNull(Scheduler, nameof(Scheduler));
        ArgumentNullException.ThrowIfNull(Registry, nameof(Registry));
        Registry.Validate();
    }
}
