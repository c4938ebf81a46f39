using System.Text.Json;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Rest;

namespace ComfyUI.Reactive;

/// <summary>Submitting prompts, the queue, interrupting and freeing memory.</summary>
public sealed partial class ComfyApi
{
    /// <summary>Queues an API-format workflow (<c>POST /prompt</c>).</summary>
    /// <param name="request">The workflow and how to queue it; <see cref="PromptRequest.Prompt"/> must be a JSON object.</param>
    /// <param name="cancellationToken">Cancels the call (not the prompt once it is queued).</param>
    /// <returns>The prompt id and priority. Check <see cref="PromptResponse.HasNodeErrors"/>: outputs that failed
    /// validation were dropped while the valid ones were queued.</returns>
    /// <exception cref="ComfyPromptValidationException">The server rejected the prompt (HTTP 400); nothing was queued.</exception>
    public Task<PromptResponse> SubmitPromptAsync(PromptRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Prompt.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("PromptRequest.Prompt must be the API-format workflow as a JSON object.", nameof(request));
        }

        return CallAsync(ct => _api.PostPromptAsync(request, ct), cancellationToken, isPromptSubmission: true);
    }

    /// <summary>Reads how many prompts are pending or running (<c>GET /prompt</c>).</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<QueueStatus> GetQueueStatusAsync(CancellationToken cancellationToken = default) =>
        CallAsync(_api.GetPromptStatusAsync, cancellationToken);

    /// <summary>Reads the running and pending prompts (<c>GET /queue</c>); pending ones come in the order they will run.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<QueueState> GetQueueAsync(CancellationToken cancellationToken = default) =>
        CallAsync(_api.GetQueueAsync, cancellationToken);

    /// <summary>Reads the queue's prompt ids and numbers only (<see cref="QueueIdsReader"/>): what job tracking polls.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The queue, its items without their graphs.</returns>
    internal Task<QueueState> GetQueueIdsAsync(CancellationToken cancellationToken) =>
        ReadBodyAsync(_api.GetQueueResponseAsync, QueueIdsReader.Read, cancellationToken);

    /// <summary>Removes pending prompts from the queue (<c>POST /queue {"delete"}</c>). A running prompt is not stopped
    /// (use <see cref="InterruptAsync(string, CancellationToken)"/>); unknown ids are ignored.</summary>
    /// <param name="promptIds">The prompt ids to remove; nothing is sent when empty.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task DeleteFromQueueAsync(IEnumerable<string> promptIds, CancellationToken cancellationToken = default)
    {
        var ids = RequireIds(promptIds, nameof(promptIds));
        return ids.Count == 0
            ? Task.CompletedTask
            : CallAsync(ct => _api.PostQueueAsync(new ClearOrDeleteRequest { Delete = ids }, ct), cancellationToken);
    }

    /// <summary>Removes every pending prompt (<c>POST /queue {"clear": true}</c>); the running one keeps running.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task ClearQueueAsync(CancellationToken cancellationToken = default) =>
        CallAsync(ct => _api.PostQueueAsync(new ClearOrDeleteRequest { Clear = true }, ct), cancellationToken);

    /// <summary>Interrupts whatever prompt is running, whoever submitted it (<c>POST /interrupt</c> without a body).
    /// Prefer <see cref="InterruptAsync(string, CancellationToken)"/>, which cannot stop someone else's prompt.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task InterruptAsync(CancellationToken cancellationToken = default) =>
        CallAsync(_api.InterruptAsync, cancellationToken);

    /// <summary>Interrupts the prompt only if it is the one running (<c>POST /interrupt {"prompt_id"}</c>); otherwise a no-op.
    /// Servers older than September 2025 ignore the id and interrupt whatever runs.</summary>
    /// <param name="promptId">The prompt to interrupt.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task InterruptAsync(string promptId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(promptId);
        return CallAsync(ct => _api.InterruptPromptAsync(new InterruptRequest { PromptId = promptId }, ct), cancellationToken);
    }

    /// <summary>Unloads models and/or frees memory (<c>POST /free</c>), after the running prompt or at once when idle.</summary>
    /// <param name="unloadModels">Unload every model.</param>
    /// <param name="freeMemory">Also drop the node-output cache, so the next run re-executes everything.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task FreeAsync(bool unloadModels, bool freeMemory, CancellationToken cancellationToken = default) =>
        CallAsync(ct => _api.FreeAsync(new FreeRequest { UnloadModels = unloadModels, FreeMemory = freeMemory }, ct), cancellationToken);

    private static List<string> RequireIds(IEnumerable<string> ids, string parameterName)
    {
        ArgumentNullException.ThrowIfNull(ids, parameterName);
        var list = ids.ToList();
        if (list.Exists(string.IsNullOrEmpty))
        {
            throw new ArgumentException("Ids must not be null or empty.", parameterName);
        }

        return list;
    }
}
