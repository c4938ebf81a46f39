using System.Text.Json;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Rest;
using Refit;

namespace ComfyUI.Reactive;

/// <summary>Uploading and downloading files.</summary>
public sealed partial class ComfyApi
{
    /// <summary>Uploads an image into the server's input (or temp/output) folder (<c>POST /upload/image</c>).</summary>
    /// <param name="content">The file's bytes, read from the current position; not disposed.</param>
    /// <param name="fileName">The name to store it under (the server may rename it, see <see cref="UploadResult.Name"/>).</param>
    /// <param name="options">Folder, subfolder, overwrite and MIME type; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Where the file was stored; <see cref="UploadResult.WorkflowValue"/> is what a LoadImage input takes.</returns>
    public Task<UploadResult> UploadImageAsync(
        Stream content, string fileName, UploadOptions? options = null, CancellationToken cancellationToken = default)
    {
        var part = ImagePart(content, fileName, options ??= new UploadOptions());
        return CallAsync(
            ct => _api.UploadImageAsync(part, options.Type, options.Subfolder, options.Overwrite ? "true" : null, ct),
            cancellationToken);
    }

    /// <summary>Uploads a mask (<c>POST /upload/mask</c>): the server copies the uploaded image's alpha channel into
    /// <paramref name="original"/> and stores the result as a PNG under <paramref name="fileName"/>.</summary>
    /// <param name="content">The mask image's bytes, read from the current position; not disposed.</param>
    /// <param name="fileName">The name to store the merged image under.</param>
    /// <param name="original">The image the mask applies to. If it does not exist the server still answers 200 but writes nothing.</param>
    /// <param name="options">Folder, subfolder, overwrite and MIME type; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<UploadResult> UploadMaskAsync(
        Stream content, string fileName, ComfyFileReference original, UploadOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(original);
        var part = ImagePart(content, fileName, options ??= new UploadOptions());
        var originalRef = JsonSerializer.Serialize(original, ComfyRestJsonContext.Default.ComfyFileReference);
        return CallAsync(
            ct => _api.UploadMaskAsync(part, originalRef, options.Type, options.Subfolder, options.Overwrite ? "true" : null, ct),
            cancellationToken);
    }

    /// <summary>Downloads a file the server holds, such as an output image (<c>GET /view</c>).</summary>
    /// <param name="file">The file, e.g. from <see cref="NodeOutput.Images"/> or <see cref="UploadResult.ToFileReference"/>.</param>
    /// <param name="cancellationToken">Cancels the call until the headers arrive; pass a token to the stream's reads to cancel those.</param>
    /// <returns>The body, read from the connection as the caller reads it (never buffered whole). Dispose it to free the connection.
    /// <see cref="ComfyClientOptions.RequestTimeout"/> covers the call until the headers arrive, not the reads.</returns>
    /// <exception cref="ComfyApiException">404 for a missing file, 400 or 403 for a rejected path.</exception>
    public Task<Stream> DownloadAsync(ComfyFileReference file, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        return DownloadAsync(file.Filename, file.Subfolder, file.Type, cancellationToken: cancellationToken);
    }

    /// <summary>Downloads a file the server holds, optionally re-encoded as a preview (<c>GET /view</c>).</summary>
    /// <param name="filename">The file name (may end in <c> [output]</c>, <c> [input]</c> or <c> [temp]</c>).</param>
    /// <param name="subfolder">The subfolder, or null for the top level.</param>
    /// <param name="type"><c>output</c> (the server's default), <c>input</c> or <c>temp</c>.</param>
    /// <param name="preview">Re-encode as <c>webp</c> or <c>jpeg</c>, optionally with <c>;quality</c>; null for the raw file.</param>
    /// <param name="channel"><c>rgba</c> (raw, the default), <c>rgb</c> or <c>a</c>.</param>
    /// <param name="cancellationToken">Cancels the call until the headers arrive; pass a token to the stream's reads to cancel those.</param>
    /// <returns>The body, read from the connection as the caller reads it (never buffered whole). Dispose it to free the connection.
    /// <see cref="ComfyClientOptions.RequestTimeout"/> covers the call until the headers arrive, not the reads.</returns>
    /// <exception cref="ComfyApiException">404 for a missing file, 400 or 403 for a rejected path.</exception>
    public async Task<Stream> DownloadAsync(
        string filename,
        string? subfolder = null,
        string? type = null,
        string? preview = null,
        string? channel = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(filename);
        var response = await CallForResponseAsync(
            ct => _api.ViewAsync(filename, subfolder, type, preview, channel, ct), cancellationToken).ConfigureAwait(false);
        try
        {
            return new ResponseStream(response, await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false));
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The <c>/view</c> address of a file, to hand to a browser, an <c>&lt;img src&gt;</c> or another process (what
    /// comfyui-node calls <c>getPathImage</c>). Nothing is requested.
    /// </summary>
    /// <param name="file">The file, e.g. from <see cref="NodeOutput.Images"/> or <see cref="UploadResult.ToFileReference"/>.</param>
    /// <param name="includeCredentials">Put the configured <see cref="ComfyCredentials.QueryToken"/> credentials into the
    /// query. Default false: a URL is copied, logged and kept in browser histories, so a secret goes into one only when
    /// asked for. Header credentials (<see cref="ComfyCredentials.Basic"/>, <see cref="ComfyCredentials.Bearer"/>,
    /// <see cref="ComfyCredentials.Header"/>) cannot travel in a URL and are never added; whoever opens the URL must
    /// authenticate to the proxy itself.</param>
    /// <returns>An absolute URI: the base address (its path prefix kept), <c>/api/view</c> (or <c>/view</c> when
    /// <see cref="ComfyClientOptions.UseApiPrefix"/> is off), and the escaped <c>filename</c>, <c>subfolder</c> and
    /// <c>type</c>.</returns>
    public Uri GetViewUri(ComfyFileReference file, bool includeCredentials = false)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentException.ThrowIfNullOrEmpty(file.Filename, nameof(file));
        var query = $"filename={Uri.EscapeDataString(file.Filename)}&subfolder={Uri.EscapeDataString(file.Subfolder ?? string.Empty)}" +
            $"&type={Uri.EscapeDataString(string.IsNullOrEmpty(file.Type) ? "output" : file.Type)}";
        var uri = new Uri(_apiClient.BaseAddress!, "view?" + query);
        if (includeCredentials)
        {
            foreach (var credential in _credentials)
            {
                // Only query tokens change a URI; header credentials have nowhere to go in one.
                uri = credential.ApplyToWebSocket(uri, static (_, _) => { });
            }
        }

        return uri;
    }

    /// <summary>Reads the <c>__metadata__</c> of a safetensors model (<c>GET /view_metadata/{folder}</c>).</summary>
    /// <param name="folderName">The model folder, e.g. <c>loras</c>.</param>
    /// <param name="fileName">The <c>.safetensors</c> file within it.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="ComfyApiException">404 when the file is missing, not safetensors, or has no metadata.</exception>
    public Task<JsonElement> GetViewMetadataAsync(string folderName, string fileName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(folderName);
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        return CallAsync(ct => _api.GetViewMetadataAsync(folderName, fileName, ct), cancellationToken);
    }

    private static StreamPart ImagePart(Stream content, string fileName, UploadOptions options)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentException.ThrowIfNullOrEmpty(options.ContentType, nameof(options));
        return new StreamPart(content, fileName, options.ContentType, "image");
    }
}
