using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Redis.Reattach;

/// <summary>Where a prompt submitted earlier (maybe by a process that died) stands on its server.</summary>
internal enum PromptPlace
{
    /// <summary>Running or pending in the server's queue: follow it.</summary>
    InQueue,

    /// <summary>In the history, succeeded: collect its result.</summary>
    Succeeded,

    /// <summary>In the history, failed with a node's error: the job fails (running it again would fail again).</summary>
    Failed,

    /// <summary>In the history, interrupted (by a cancellation of the process that left): run it again.</summary>
    Interrupted,

    /// <summary>Neither queued nor in the history: never accepted, or lost with a server restart. Run it again.</summary>
    Absent,
}

/// <summary>What a lookup found, with the history entry when there is one.</summary>
internal sealed record PromptWhereabouts(PromptPlace Place, HistoryEntry? Entry = null);

/// <summary>Looks a prompt up on its server: the queue first, then the history, so that a prompt finishing between the two
/// reads is found in the history rather than missed by both.</summary>
internal static class PromptLocator
{
    public static async Task<PromptWhereabouts> LocateAsync(ComfyApi api, string promptId, CancellationToken cancellationToken)
    {
        var queue = await api.GetQueueAsync(cancellationToken).ConfigureAwait(false);
        if (queue.Running.Concat(queue.Pending).Any(i => i.PromptId == promptId))
        {
            return new(PromptPlace.InQueue);
        }

        var entry = await api.GetHistoryEntryAsync(promptId, cancellationToken).ConfigureAwait(false);
        if (entry is null)
        {
            return new(PromptPlace.Absent);
        }

        return entry.Status switch
        {
            { IsSuccess: true } => new(PromptPlace.Succeeded, entry),
            { IsInterrupted: true } => new(PromptPlace.Interrupted, entry),
            { ExecutionError: not null } => new(PromptPlace.Failed, entry),
            { Completed: true } => new(PromptPlace.Succeeded, entry),
            _ => new(PromptPlace.Interrupted, entry),
        };
    }
}
