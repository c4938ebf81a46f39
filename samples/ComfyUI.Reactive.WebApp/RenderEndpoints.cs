using System.Text.Json;
using ComfyUI.Reactive.Pooling;
using ComfyUI.Reactive.Registry;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ComfyUI.Reactive.Samples.WebApp;

/// <summary>
/// The render API: jobs by id over HTTP. <c>POST /render</c> enqueues and answers 202 at once; the job runs in the pool
/// whether or not anyone watches, and can be followed (<c>/events</c>), fetched (<c>/image</c>) and cancelled by id.
/// Errors are problem JSON: 400 for a bad body, 404 for an unknown id, 409 for an image that is not there yet.
/// </summary>
internal static class RenderEndpoints
{
    /// <summary>The label that carries a job's prompt to the dashboard.</summary>
    public const string PromptLabel = "prompt";

    public static void MapRenderEndpoints(this IEndpointRouteBuilder app)
    {
        var render = app.MapGroup("/render");
        render.MapPost("/", EnqueueAsync);
        render.MapGet("/{id}", GetAsync);
        render.MapGet("/{id}/events", EventsAsync);
        render.MapGet("/{id}/image", ImageAsync);
        render.MapDelete("/{id}", CancelAsync);
    }

    private static async Task<IResult> EnqueueAsync(HttpRequest http, ComfyPool pool, RenderWorkflow workflows)
    {
        RenderRequest? request;
        try
        {
            request = await http.ReadFromJsonAsync<RenderRequest>(http.HttpContext.RequestAborted);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not JSON, or not a JSON object of the request's shape (or a content type other than JSON).
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The body is not a render request",
                detail: "Send JSON like {\"prompt\": \"a lighthouse at dusk\", \"seed\": 42, \"width\": 512, \"height\": 512}.");
        }

        var problems = request?.Problems() ?? new() { ["prompt"] = ["A prompt is required."] };
        if (request is null || problems.Count > 0)
        {
            return TypedResults.ValidationProblem(problems);
        }

        var id = pool.Enqueue(workflows.Build(request), new PoolJobOptions
        {
            Labels = new Dictionary<string, string>(StringComparer.Ordinal) { [PromptLabel] = request.Prompt! },
        });
        return TypedResults.Accepted($"/render/{id}", new { id = id.Value });
    }

    private static async Task<IResult> GetAsync(string id, ComfyPool pool, CancellationToken ct) =>
        await pool.GetAsync(new JobId(id), ct) is { } job
            ? TypedResults.Ok(new
            {
                id,
                status = job.Status.ToString().ToLowerInvariant(),
                prompt = job.Labels.GetValueOrDefault(PromptLabel),
                server = job.Server?.Value,
                fraction = job.Fraction,
                error = job.Error?.Message,
                image = job.Status == JobStatus.Completed ? $"/render/{id}/image" : null,
            })
            : UnknownJob(id);

    private static async Task<IResult> EventsAsync(string id, ComfyPool pool, IHostApplicationLifetime lifetime, CancellationToken ct)
    {
        if (await pool.GetAsync(new JobId(id), ct) is null)
        {
            return UnknownJob(id);
        }

        // Observe replays the job's latest state first, so a late subscriber (or a reconnecting EventSource) is in step.
        IObservable<Jobs.JobUpdate> updates;
        try
        {
            updates = pool.Observe(new JobId(id));
        }
        catch (KeyNotFoundException)
        {
            return UnknownJob(id);   // forgotten between the two calls
        }

        return TypedResults.ServerSentEvents(JobUpdateEvents.StreamAsync(id, updates, lifetime.ApplicationStopping, ct));
    }

    private static async Task<IResult> ImageAsync(string id, ComfyPool pool, CancellationToken ct)
    {
        var job = await pool.GetAsync(new JobId(id), ct);
        if (job is null)
        {
            return UnknownJob(id);
        }

        if (job.Status != JobStatus.Completed)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The job has no image",
                detail: job.IsFinished ? $"Job {id} ended {job.Status.ToString().ToLowerInvariant()}: {job.Error?.Message}" : $"Job {id} is {job.Status.ToString().ToLowerInvariant()}; its image comes when it completes.");
        }

        if (job.Result!.TryGetOutput(RenderWorkflow.ImageOutput, out var output) && output.Images.Count > 0)
        {
            // Streamed from the server that made it: the app stores nothing.
            var image = output.Images[0];
            return TypedResults.Stream(await image.OpenReadAsync(ct), "image/png", image.FileName);
        }

        return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The job has no image", detail: $"Job {id} completed without an image.");
    }

    private static async Task<IResult> CancelAsync(string id, ComfyPool pool, CancellationToken ct)
    {
        var job = await pool.GetAsync(new JobId(id), ct);
        if (job is null)
        {
            return UnknownJob(id);
        }

        return pool.Cancel(job.Id)
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The job has finished",
                detail: $"Job {id} already ended {job.Status.ToString().ToLowerInvariant()}.");
    }

    private static ProblemHttpResult UnknownJob(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such job",
            detail: $"No job '{id}': it was never enqueued here, or it finished long enough ago to be forgotten.");
}
