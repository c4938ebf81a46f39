using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Jobs;

/// <summary>
/// An image to upload with a job (<c>POST /upload/image</c>) and put into the workflow at <see cref="Path"/> (for example
/// <c>10.inputs.image</c> of a LoadImage node) before the prompt is submitted.
/// </summary>
public sealed class JobAttachment
{
    private readonly Func<CancellationToken, Task<Stream>> _open;

    private JobAttachment(string path, string fileName, Func<CancellationToken, Task<Stream>> open, UploadOptions? upload)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        Path = path;
        FileName = fileName;
        _open = open;
        Upload = upload;
    }

    /// <summary>Where the uploaded file's name goes, as a <see cref="Workflows.Workflow.Set(string, System.Text.Json.Nodes.JsonNode)"/> path.</summary>
    public string Path { get; }

    /// <summary>The name to upload under (the server may rename it; the stored name is what gets substituted).</summary>
    public string FileName { get; }

    /// <summary>Upload folder, subfolder, overwrite and MIME type; null for the defaults.</summary>
    public UploadOptions? Upload { get; }

    /// <summary>An attachment from bytes.</summary>
    /// <param name="path">The workflow path to substitute, e.g. <c>10.inputs.image</c>.</param>
    /// <param name="fileName">The name to upload under.</param>
    /// <param name="bytes">The file's bytes.</param>
    /// <param name="upload">Upload options, or null.</param>
    /// <returns>The attachment.</returns>
    public static JobAttachment FromBytes(string path, string fileName, ReadOnlyMemory<byte> bytes, UploadOptions? upload = null) =>
        new(path, fileName, _ => Task.FromResult<Stream>(new MemoryStream(bytes.ToArray(), writable: false)), upload);

    /// <summary>An attachment from a stream factory, called once per run (each subscription uploads again).</summary>
    /// <param name="path">The workflow path to substitute.</param>
    /// <param name="fileName">The name to upload under.</param>
    /// <param name="open">Opens the content; the stream is disposed after the upload.</param>
    /// <param name="upload">Upload options, or null.</param>
    /// <returns>The attachment.</returns>
    public static JobAttachment FromStream(string path, string fileName, Func<CancellationToken, Task<Stream>> open, UploadOptions? upload = null)
    {
        ArgumentNullException.ThrowIfNull(open);
        return new(path, fileName, open, upload);
    }

    /// <summary>An attachment from a local file, read at each run.</summary>
    /// <param name="path">The workflow path to substitute.</param>
    /// <param name="filePath">The local file; its name is the upload name.</param>
    /// <param name="upload">Upload options, or null.</param>
    /// <returns>The attachment.</returns>
    public static JobAttachment FromFile(string path, string filePath, UploadOptions? upload = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        return new(path, System.IO.Path.GetFileName(filePath), _ => Task.FromResult<Stream>(File.OpenRead(filePath)), upload);
    }

    internal Task<Stream> OpenAsync(CancellationToken cancellationToken) => _open(cancellationToken);
}
