using System.Net;
using System.Text.Json;
using ComfyUI.Reactive.Rest;
using Refit;

namespace ComfyUI.Reactive;

/// <summary>
/// Every REST route of a ComfyUI server (PROTOCOL.md §2), typed: one async method per route, each returning our own
/// types and throwing only our exceptions (<see cref="ComfyApiException"/> and its kinds, <see cref="ComfyConnectionException"/>,
/// <see cref="ComfyTimeoutException"/>; cancellation stays <see cref="OperationCanceledException"/>).
/// </summary>
/// <remarks>
/// <para>Requests go through one pipeline: an <see cref="HttpClient"/> with <see cref="ComfyClientOptions.RequestTimeout"/>, a
/// handler that adds every configured credential, then the caller's <see cref="ComfyClientOptions.HttpClient"/> or
/// <see cref="ComfyClientOptions.HttpMessageHandler"/> (never disposed here) or a handler of our own.</para>
/// <para>Paths use the <c>/api</c> prefix unless <see cref="ComfyClientOptions.UseApiPrefix"/> is off. The class is thread-safe;
/// calls complete on thread-pool threads.</para>
/// <para><b>Owned by its <see cref="ComfyClient"/>.</b> It is deliberately not <see cref="IDisposable"/>: the client
/// releases its HTTP resources when the client is disposed, and nothing a caller does with <c>comfy.Api</c> can break the
/// client (a <c>using (comfy.Api)</c> does not compile, instead of silently ending every later REST call and job).</para>
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage(
    "Design", "CA1001:Types that own disposable fields should be disposable",
    Justification = "Owned by ComfyClient, which releases it (Release) on DisposeAsync; being IDisposable let callers break the client.")]
public sealed partial class ComfyApi
{
    private readonly HttpMessageHandler? _ownedHandler;
    private readonly HttpClient _apiClient;
    private readonly HttpClient _rootClient;
    private readonly IComfyRestApi _api;
    private readonly IComfyJobsApi _jobs;
    private readonly RestErrorTranslator _errors;
    private readonly ComfyCredentials[] _credentials;
    private int _disposed;

    /// <summary>Builds the HTTP pipeline from validated options; the options are read once, later changes have no effect.</summary>
    /// <param name="options">The client options.</param>
    internal ComfyApi(ComfyClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        var credentials = _credentials = options.Credentials.ToArray();
        HttpMessageHandler inner;
        if (options.HttpClient is { } client)
        {
            inner = _ownedHandler = new ForwardingHandler(client);
        }
        else if (options.HttpMessageHandler is { } handler)
        {
            inner = handler;
        }
        else
        {
            // A bounded connection lifetime lets a long-lived client follow DNS changes of the server's name.
            inner = _ownedHandler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        }

        // The credentials handler disposes nothing, so the caller's handler survives us; we dispose only _ownedHandler.
        var pipeline = new CredentialsHandler(credentials, inner);
        var root = options.BaseAddress.GetLeftPart(UriPartial.Path).TrimEnd('/');
        _rootClient = CreateClient(pipeline, new Uri(root + "/"), options.RequestTimeout);
        _apiClient = options.UseApiPrefix
            ? CreateClient(pipeline, new Uri(root + "/api/"), options.RequestTimeout)
            : _rootClient;

        var settings = new RefitSettings(SystemTextJsonContentSerializer.ForContext(ComfyRestJsonContext.Default))
        {
            MaxExceptionContentLength = RestErrorTranslator.MaxBodyChars,

            // Bodies are small JSON: serialised in one synchronous pass into a buffer sent with a Content-Length, instead
            // of a stream pushed through chunked encoding (about 60 methods to compile on the first submission and
            // several async layers on every POST; a Content-Length also suits proxies that refuse chunked uploads).
            RequestBodySerialization = RequestBodySerializationMode.Buffered,
        };
        _api = RestService.ForGenerated<IComfyRestApi>(_apiClient, settings);
        _jobs = RestService.ForGenerated<IComfyJobsApi>(_rootClient, settings);
        _errors = new RestErrorTranslator(options.BaseAddress, credentials, options.RequestTimeout);
    }

    /// <summary>Releases the HTTP clients and the handler this instance created; a caller-supplied client or handler is left open.
    /// Only the owning <see cref="ComfyClient"/> calls it (see the class remarks).</summary>
    internal void Release()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (!ReferenceEquals(_apiClient, _rootClient))
        {
            _apiClient.Dispose();
        }

        _rootClient.Dispose();
        _ownedHandler?.Dispose();
    }

    private static HttpClient CreateClient(HttpMessageHandler pipeline, Uri baseAddress, TimeSpan timeout) =>
        new(pipeline, disposeHandler: false) { BaseAddress = baseAddress, Timeout = timeout };

    private async Task<T> CallAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken, bool isPromptSubmission = false)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        // HttpClient hands a request to the handlers even when the token is already cancelled; nothing should leave then.
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return await call(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not ComfyException)
        {
            var translated = _errors.Translate(e, cancellationToken, isPromptSubmission);
            if (translated is null)
            {
                throw;
            }

            throw translated;
        }
    }

    private async Task CallAsync(Func<CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);

        // HttpClient hands a request to the handlers even when the token is already cancelled; nothing should leave then.
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            await call(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not ComfyException)
        {
            var translated = _errors.Translate(e, cancellationToken);
            if (translated is null)
            {
                throw;
            }

            throw translated;
        }
    }

    /// <summary>Sends a call whose answer is handled raw; a non-success status is turned into our exception and the response disposed.</summary>
    private async Task<HttpResponseMessage> CallForResponseAsync(Func<CancellationToken, Task<HttpResponseMessage>> call, CancellationToken cancellationToken)
    {
        var response = await CallAsync(call, cancellationToken).ConfigureAwait(false);
        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            var body = await ReadCappedTextAsync(response.Content, cancellationToken).ConfigureAwait(false);
            var request = response.RequestMessage;
            throw _errors.FromStatus(
                response.StatusCode, response.ReasonPhrase, request?.Method.Method ?? "GET", request?.RequestUri, body, isPromptSubmission: false);
        }
    }

    /// <summary>Sends a call whose body the SDK reads itself from bytes (<paramref name="read"/>); a body it cannot read is
    /// reported as for every other route: a 2xx whose answer is not what the SDK expects (a proxy's login page, say).</summary>
    private async Task<T> ReadBodyAsync<T>(
        Func<CancellationToken, Task<HttpResponseMessage>> call, Func<byte[], T> read, CancellationToken cancellationToken)
    {
        using var response = await CallForResponseAsync(call, cancellationToken).ConfigureAwait(false);
        var body = await CallAsync(response.Content.ReadAsByteArrayAsync, cancellationToken).ConfigureAwait(false);
        try
        {
            return read(body);
        }
        catch (JsonException e)
        {
            var text = System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, RestErrorTranslator.MaxBodyChars));
            var request = response.RequestMessage;
            throw _errors.FromStatus(
                response.StatusCode, response.ReasonPhrase, request?.Method.Method ?? "GET", request?.RequestUri, text, isPromptSubmission: false, e);
        }
    }

    private static async Task<string?> ReadCappedTextAsync(HttpContent? content, CancellationToken cancellationToken)
    {
        if (content is null)
        {
            return null;
        }

        using var reader = new StreamReader(await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
        var buffer = new char[RestErrorTranslator.MaxBodyChars];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await reader.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
        {
            length += read;
        }

        return length == 0 ? null : new string(buffer, 0, length);
    }

    private static bool IsJsonError(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return false;
        }

        try
        {
            return JsonSerializer.Deserialize(body, ComfyRestJsonContext.Default.ErrorBody) is { Error.ValueKind: not JsonValueKind.Undefined };
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool IsNotFound(ComfyApiException e) => e.StatusCode == HttpStatusCode.NotFound;
}
