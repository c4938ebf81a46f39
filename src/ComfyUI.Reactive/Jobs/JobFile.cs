using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Jobs;

/// <summary>
/// A file a job produced on the server (an image, video or audio file of a node's output), fetched through
/// <c>/view</c>. Its name comes from the server: <see cref="DownloadAsync"/> never uses it as a path.
/// </summary>
public sealed class JobFile
{
    private static readonly char[] Separators = ['/', '\\'];
    private readonly ComfyApi _api;

    internal JobFile(ComfyApi api, ComfyFileReference reference)
    {
        _api = api;
        Reference = reference;
    }

    /// <summary>The server's reference (<c>filename</c>, <c>subfolder</c>, <c>type</c>, <c>format</c>).</summary>
    public ComfyFileReference Reference { get; }

    /// <summary>The server's file name (untrusted; see <see cref="DownloadAsync"/>).</summary>
    public string FileName => Reference.Filename;

    /// <summary>Opens the file's bytes as a stream read from the connection (never buffered whole). Dispose it.</summary>
    /// <param name="cancellationToken">Cancels until the headers arrive.</param>
    /// <returns>The body stream.</returns>
    /// <exception cref="ComfyApiException">The server does not have the file (404) or refused the path.</exception>
    public Task<Stream> OpenReadAsync(CancellationToken cancellationToken = default) => _api.DownloadAsync(Reference, cancellationToken);

    /// <summary>
    /// Downloads the file into <paramref name="folder"/> under its server name with every directory part removed.
    /// A name that is empty, <c>.</c>, <c>..</c>, or contains characters invalid in a file name is refused, and the
    /// resolved path is checked to lie inside the folder, so a server cannot make this write anywhere else.
    /// </summary>
    /// <param name="folder">The folder to write into; created when missing.</param>
    /// <param name="overwrite">Replace an existing file of that name (default false: an existing file is an error).</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    /// <returns>The full path of the written file.</returns>
    /// <exception cref="ComfyException">The server's file name cannot be used safely.</exception>
    /// <exception cref="IOException">The file exists and <paramref name="overwrite"/> is false.</exception>
    public async Task<string> DownloadAsync(string folder, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        return await WriteAsync(ResolveLocalPath(folder, Reference.Filename), overwrite, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Downloads the file to exactly <paramref name="path"/>, a name you chose (the server's name is not used at all).
    /// Missing folders of the path are created.
    /// </summary>
    /// <param name="path">The target file, absolute or relative to the current directory; your path, so it is trusted
    /// as given (unlike the server's name, see <see cref="DownloadAsync"/>).</param>
    /// <param name="overwrite">Replace an existing file (default false: an existing file is an error).</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    /// <returns>The full path of the written file.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty or names a folder (ends in a separator).</exception>
    /// <exception cref="IOException">The file exists and <paramref name="overwrite"/> is false.</exception>
    public Task<string> DownloadToFileAsync(string path, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Path.EndsInDirectorySeparator(path))
        {
            throw new ArgumentException($"'{path}' names a folder; pass a file path, or use DownloadAsync(folder) to keep the server's name.", nameof(path));
        }

        return WriteAsync(Path.GetFullPath(path), overwrite, cancellationToken);
    }

    /// <summary>The <c>/view</c> address of this file, for a browser or an <c>&lt;img src&gt;</c>; see
    /// <see cref="ComfyApi.GetViewUri"/> (credentials only when <paramref name="includeCredentials"/> is true, and only query tokens).</summary>
    /// <param name="includeCredentials">Put the configured query-token credentials into the URL.</param>
    /// <returns>The absolute URI.</returns>
    public Uri GetViewUri(bool includeCredentials = false) => _api.GetViewUri(Reference, includeCredentials);

    /// <summary>Returns the server's file name.</summary>
    public override string ToString() => Reference.Filename;

    private async Task<string> WriteAsync(string path, bool overwrite, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var source = await OpenReadAsync(cancellationToken).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            var target = new FileStream(path, overwrite ? FileMode.Create : FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
            await using (target.ConfigureAwait(false))
            {
                await source.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
            }
        }

        return path;
    }

    /// <summary>The local path for a server-supplied name inside <paramref name="folder"/>, or an exception.</summary>
    internal static string ResolveLocalPath(string folder, string serverName)
    {
        // Servers on either OS may send either separator; strip every directory part, whatever the local OS calls one.
        var name = serverName ?? string.Empty;
        var cut = name.LastIndexOfAny(Separators);
        if (cut >= 0)
        {
            name = name[(cut + 1)..];
        }

        if (name.Length == 0 || name is "." or ".." || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 ||
            name.Contains(':', StringComparison.Ordinal) || name.Trim().Length == 0)
        {
            throw new ComfyException($"The server's file name '{serverName}' cannot be used as a local file name.");
        }

        var root = Path.GetFullPath(folder);
        var rootWithSeparator = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        var full = Path.GetFullPath(Path.Combine(rootWithSeparator, name));
        if (!full.StartsWith(rootWithSeparator, OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal))
        {
            throw new ComfyException($"The server's file name '{serverName}' would resolve outside the folder.");
        }

        return full;
    }
}
