using ComfyUI.Reactive.Models;
using Refit;

namespace ComfyUI.Reactive.Rest;

/// <summary>
/// The jobs API (servers since December 2025). It is registered only under <c>/api</c>, with no bare alias, so these
/// paths are absolute from the server's base address whatever <see cref="ComfyClientOptions.UseApiPrefix"/> says.
/// </summary>
internal interface IComfyJobsApi
{
    [Get("/api/jobs")]
    Task<JobsPage> ListJobsAsync(
        [AliasAs("status")] string? status,
        [AliasAs("workflow_id")] string? workflowId,
        [AliasAs("sort_by")] string? sortBy,
        [AliasAs("sort_order")] string? sortOrder,
        [AliasAs("limit")] int? limit,
        [AliasAs("offset")] int? offset,
        CancellationToken cancellationToken);

    [Get("/api/jobs/{jobId}")]
    Task<JobEntry> GetJobAsync(string jobId, CancellationToken cancellationToken);

    [Post("/api/jobs/{jobId}/cancel")]
    Task<JobCancelResult> CancelJobAsync(string jobId, CancellationToken cancellationToken);

    [Post("/api/jobs/cancel")]
    Task<JobCancelResult> CancelJobsAsync([Body] JobCancelRequest request, CancellationToken cancellationToken);
}
