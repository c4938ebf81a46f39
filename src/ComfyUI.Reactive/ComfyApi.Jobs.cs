using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Rest;

namespace ComfyUI.Reactive;

/// <summary>The jobs API (servers since December 2025; a 404 <see cref="ComfyApiException"/> means the server is older).</summary>
public sealed partial class ComfyApi
{
    /// <summary>Lists jobs: queued, running and finished prompts in one normalised list (<c>GET /api/jobs</c>).</summary>
    /// <param name="query">Filters, order and page; null for all jobs, newest first.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<JobsPage> ListJobsAsync(JobsQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new JobsQuery();
        if (query.Limit is < 1)
        {
            throw new ArgumentException("JobsQuery.Limit must be positive when set.", nameof(query));
        }

        if (query.Offset is < 0)
        {
            throw new ArgumentException("JobsQuery.Offset must not be negative.", nameof(query));
        }

        var status = query.Statuses is { Count: > 0 } statuses ? string.Join(',', statuses) : null;
        return CallAsync(
            ct => _jobs.ListJobsAsync(status, query.WorkflowId, query.SortBy, query.SortOrder, query.Limit, query.Offset, ct),
            cancellationToken);
    }

    /// <summary>Reads one job with its outputs, status and workflow (<c>GET /api/jobs/{id}</c>).</summary>
    /// <param name="jobId">The job (prompt) id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The job, or null when the server does not know it.</returns>
    public async Task<JobEntry?> GetJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        try
        {
            return await CallAsync(ct => _jobs.GetJobAsync(jobId, ct), cancellationToken).ConfigureAwait(false);
        }
        catch (ComfyApiException e) when (IsNotFound(e) && IsJsonError(e.ResponseBody))
        {
            // A JSON 404 is the API's "Job not found"; a non-JSON 404 is an old server without the route, which still throws.
            return null;
        }
    }

    /// <summary>Cancels one job (<c>POST /api/jobs/{id}/cancel</c>, servers since June 2026): a running job is interrupted,
    /// a pending one dequeued.</summary>
    /// <param name="jobId">The job (prompt) id.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>True when the job was cancelled; false for a finished or unknown id.</returns>
    public async Task<bool> CancelJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        var result = await CallAsync(ct => _jobs.CancelJobAsync(jobId, ct), cancellationToken).ConfigureAwait(false);
        return result.Cancelled;
    }

    /// <summary>Cancels several jobs (<c>POST /api/jobs/cancel</c>, servers since June 2026).</summary>
    /// <param name="jobIds">Job ids; they must be canonical UUIDs. Nothing is sent when empty.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>True when at least one job was cancelled.</returns>
    public async Task<bool> CancelJobsAsync(IEnumerable<string> jobIds, CancellationToken cancellationToken = default)
    {
        var ids = RequireIds(jobIds, nameof(jobIds));
        if (ids.Count == 0)
        {
            return false;
        }

        var result = await CallAsync(ct => _jobs.CancelJobsAsync(new JobCancelRequest { JobIds = ids }, ct), cancellationToken).ConfigureAwait(false);
        return result.Cancelled;
    }
}
