using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Rest;

namespace ComfyUI.Reactive;

/// <summary>The history of finished prompts.</summary>
public sealed partial class ComfyApi
{
    /// <summary>Reads finished prompts (<c>GET /history</c>), oldest first, by prompt id.</summary>
    /// <param name="maxItems">At most this many; without <paramref name="offset"/> the newest ones. Null: all (the server keeps about 10,000).</param>
    /// <param name="offset">Start at this index (0 = oldest); servers since September 2025.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<IReadOnlyDictionary<string, HistoryEntry>> GetHistoryAsync(
        int? maxItems = null, int? offset = null, CancellationToken cancellationToken = default)
    {
        if (maxItems is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(maxItems), maxItems, "maxItems must be at least 1.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(offset ?? 0, nameof(offset));
        return await CallAsync(ct => _api.GetHistoryAsync(maxItems, offset, ct), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one finished prompt (<c>GET /history/{id}</c>).</summary>
    /// <param name="promptId">The prompt id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The entry, or null while the prompt is queued or running, or when the server does not know it.</returns>
    public async Task<HistoryEntry?> GetHistoryEntryAsync(string promptId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(promptId);
        var entries = await CallAsync(ct => _api.GetHistoryEntryAsync(promptId, ct), cancellationToken).ConfigureAwait(false);
        return entries.TryGetValue(promptId, out var entry) ? entry : entries.Values.FirstOrDefault();
    }

    /// <summary>Deletes finished prompts from the history (<c>POST /history {"delete"}</c>).</summary>
    /// <param name="promptIds">The prompt ids; nothing is sent when empty.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task DeleteHistoryAsync(IEnumerable<string> promptIds, CancellationToken cancellationToken = default)
    {
        var ids = RequireIds(promptIds, nameof(promptIds));
        return ids.Count == 0
            ? Task.CompletedTask
            : CallAsync(ct => _api.PostHistoryAsync(new ClearOrDeleteRequest { Delete = ids }, ct), cancellationToken);
    }

    /// <summary>Deletes the whole history (<c>POST /history {"clear": true}</c>).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task ClearHistoryAsync(CancellationToken cancellationToken = default) =>
        CallAsync(ct => _api.PostHistoryAsync(new ClearOrDeleteRequest { Clear = true }, ct), cancellationToken);
}
