using System.Net;
using System.Text.Json;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Rest;

namespace ComfyUI.Reactive;

/// <summary>The user's data folder (saved workflows and other files), settings and users.</summary>
/// <remarks>File paths are relative to the user folder, with <c>/</c> separators; each is sent as one URL segment, as the server expects.</remarks>
public sealed partial class ComfyApi
{
    /// <summary>Lists the files of a directory of the user folder (<c>GET /userdata</c>).</summary>
    /// <param name="directory">The directory relative to the user folder, e.g. <c>workflows</c>.</param>
    /// <param name="options">Recurse, full info or split paths; null for plain relative paths.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="ComfyApiException">404 when the directory does not exist, 403 when it is outside the user folder.</exception>
    public async Task<IReadOnlyList<UserDataFile>> ListUserDataAsync(
        string directory, UserDataListOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        options ??= new UserDataListOptions();
        return await CallAsync(
            ct => _api.ListUserDataAsync(directory, Flag(options.Recurse), Flag(options.FullInfo), Flag(options.Split), ct),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Lists files and directories under a path of the user folder (<c>GET /v2/userdata</c>, servers since April 2025).</summary>
    /// <param name="path">The path relative to the user folder; null or empty for the folder itself.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Directories first, then files, each by name; empty when the path does not exist.</returns>
    public async Task<IReadOnlyList<UserDataItem>> ListUserDataItemsAsync(string? path = null, CancellationToken cancellationToken = default) =>
        await CallAsync(ct => _api.ListUserDataV2Async(string.IsNullOrEmpty(path) ? null : path, ct), cancellationToken).ConfigureAwait(false);

    /// <summary>Reads a file of the user folder (<c>GET /userdata/{file}</c>).</summary>
    /// <param name="path">The file path relative to the user folder, e.g. <c>workflows/a.json</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The file's bytes.</returns>
    /// <exception cref="ComfyApiException">404 when the file does not exist.</exception>
    public async Task<byte[]> GetUserDataAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var response = await CallForResponseAsync(ct => _api.GetUserDataAsync(path, ct), cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a file of the user folder (<c>POST /userdata/{file}</c>), creating directories as needed.</summary>
    /// <param name="path">The file path relative to the user folder.</param>
    /// <param name="content">The bytes to write, read from the current position; not disposed.</param>
    /// <param name="overwrite">Replace an existing file; when false an existing file gives a 409 <see cref="ComfyApiException"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The written file with size and times.</returns>
    public Task<UserDataFile> SaveUserDataAsync(string path, Stream content, bool overwrite = true, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(content);
        return CallAsync(ct => _api.PostUserDataAsync(path, content, Flag(overwrite), "true", ct), cancellationToken);
    }

    /// <summary>Writes a file of the user folder (<c>POST /userdata/{file}</c>), creating directories as needed.</summary>
    /// <param name="path">The file path relative to the user folder.</param>
    /// <param name="content">The bytes to write.</param>
    /// <param name="overwrite">Replace an existing file; when false an existing file gives a 409 <see cref="ComfyApiException"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The written file with size and times.</returns>
    public async Task<UserDataFile> SaveUserDataAsync(string path, byte[] content, bool overwrite = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var stream = new MemoryStream(content, writable: false);
        return await SaveUserDataAsync(path, stream, overwrite, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Moves or renames a file of the user folder (<c>POST /userdata/{file}/move/{dest}</c>).</summary>
    /// <param name="path">The current path relative to the user folder.</param>
    /// <param name="destination">The new path relative to the user folder.</param>
    /// <param name="overwrite">Replace an existing destination; when false it gives a 409 <see cref="ComfyApiException"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The moved file with size and times.</returns>
    public Task<UserDataFile> MoveUserDataAsync(string path, string destination, bool overwrite = false, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        return CallAsync(ct => _api.MoveUserDataAsync(path, destination, Flag(overwrite), "true", ct), cancellationToken);
    }

    /// <summary>Deletes a file of the user folder (<c>DELETE /userdata/{file}</c>).</summary>
    /// <param name="path">The file path relative to the user folder.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="ComfyApiException">404 when the file does not exist.</exception>
    public Task DeleteUserDataAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return CallAsync(ct => _api.DeleteUserDataAsync(path, ct), cancellationToken);
    }

    /// <summary>Reads every setting (<c>GET /settings</c>).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Setting id → value; empty when none are stored.</returns>
    public async Task<IReadOnlyDictionary<string, JsonElement>> GetSettingsAsync(CancellationToken cancellationToken = default) =>
        await CallAsync(_api.GetSettingsAsync, cancellationToken).ConfigureAwait(false);

    /// <summary>Reads one setting (<c>GET /settings/{id}</c>).</summary>
    /// <param name="id">The setting id, e.g. <c>Comfy.Locale</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The value, or null when it is not set.</returns>
    public async Task<JsonElement?> GetSettingAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        var value = await CallAsync(ct => _api.GetSettingAsync(id, ct), cancellationToken).ConfigureAwait(false);
        return value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined ? null : value;
    }

    /// <summary>Merges settings into the stored ones (<c>POST /settings</c>); ids not given keep their values.</summary>
    /// <param name="settings">Setting id → value.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task UpdateSettingsAsync(IReadOnlyDictionary<string, JsonElement> settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var body = new Dictionary<string, JsonElement>(settings, StringComparer.Ordinal);
        return CallAsync(ct => _api.PostSettingsAsync(body, ct), cancellationToken);
    }

    /// <summary>Sets one setting (<c>POST /settings/{id}</c>).</summary>
    /// <param name="id">The setting id.</param>
    /// <param name="value">Any JSON value.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task SetSettingAsync(string id, JsonElement value, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        if (value.ValueKind == JsonValueKind.Undefined)
        {
            throw new ArgumentException("The value must be a JSON value (use a JSON null to clear it).", nameof(value));
        }

        return CallAsync(ct => _api.PostSettingAsync(id, value, ct), cancellationToken);
    }

    /// <summary>Reads how the server stores user data, and its users in multi-user mode (<c>GET /users</c>).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<UsersInfo> GetUsersAsync(CancellationToken cancellationToken = default) =>
        CallAsync(_api.GetUsersAsync, cancellationToken);

    /// <summary>Creates a user (<c>POST /users</c>) on a server running with <c>--multi-user</c>.</summary>
    /// <param name="userName">The user's name; must not start with <c>__</c>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The new user id, to send as the <c>Comfy-User</c> header.</returns>
    /// <exception cref="ComfyApiException">400 for a duplicate or invalid name.</exception>
    public async Task<string> CreateUserAsync(string userName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userName);
        var id = await CallAsync(ct => _api.CreateUserAsync(new CreateUserRequest { Username = userName }, ct), cancellationToken).ConfigureAwait(false);
        return id.ValueKind == JsonValueKind.String
            ? id.GetString()!
            : throw _errors.FromStatus(HttpStatusCode.OK, "OK", "POST", new Uri("users", UriKind.Relative), id.GetRawText(), isPromptSubmission: false);
    }

    // ComfyUI compares some flags case-sensitively with "true"/"false"; bool.ToString() would give "True".
    private static string Flag(bool value) => value ? "true" : "false";
}
