using System.Text.Json;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Redis.Records;

/// <summary>Turns <c>JobUpdate</c>s into <see cref="StoredUpdate"/>s and back; pure, no I/O.</summary>
internal static class UpdateCodec
{
    /// <summary>The stored form, or null for updates that are not stored (previews).</summary>
    public static StoredUpdate? Encode(JobUpdate update) => update switch
    {
        JobQueued q => new() { Kind = StoredUpdate.Queued, PromptId = q.PromptId, Server = q.Server?.Value, Position = q.Position },
        JobStarted s => new() { Kind = StoredUpdate.Started, PromptId = s.PromptId, Server = s.Server?.Value, QueueWaitMs = s.QueueWait.TotalMilliseconds },
        JobCached c => new() { Kind = StoredUpdate.Cached, PromptId = c.PromptId, Server = c.Server?.Value, Nodes = [.. c.Nodes] },
        JobNodeStarted n => new()
        {
            Kind = StoredUpdate.NodeStarted, PromptId = n.PromptId, Server = n.Server?.Value, NodeId = n.NodeId, ClassType = n.ClassType, Title = n.Title,
        },
        JobProgress p => new()
        {
            Kind = StoredUpdate.Progress, PromptId = p.PromptId, Server = p.Server?.Value, NodeId = p.NodeId, Value = p.Value, Max = p.Max,
            Fraction = p.Fraction, RemainingMs = p.EstimatedRemaining?.TotalMilliseconds,
        },
        JobNodeOutput o => new()
        {
            Kind = StoredUpdate.NodeOutput, PromptId = o.PromptId, Server = o.Server?.Value, NodeId = o.Output.NodeId,
            ClassType = o.Output.ClassType, Output = o.Output.Output.Raw.ValueKind == JsonValueKind.Undefined ? null : o.Output.Output.Raw.Clone(),
        },
        JobText t => new() { Kind = StoredUpdate.TextFrame, PromptId = t.PromptId, Server = t.Server?.Value, NodeId = t.NodeId, Text = t.Text },
        JobAttemptFailed f => new()
        {
            Kind = StoredUpdate.AttemptFailed, PromptId = f.PromptId, Server = f.Server?.Value, Attempt = f.Attempt, WillRetry = f.WillRetry,
            ErrorType = f.Reason.GetType().FullName, Error = f.Reason.Message,
        },
        JobCompleted c => new() { Kind = StoredUpdate.Completed, PromptId = c.PromptId, Server = c.Server?.Value, Result = Encode(c.Result) },
        _ => null,
    };

    public static StoredResult Encode(JobResult result) => new()
    {
        PromptId = result.PromptId,
        Outputs = [.. result.Outputs.Values.Select(o => new StoredOutput(o.NodeId, o.ClassType, o.Output.Raw.ValueKind == JsonValueKind.Undefined ? EmptyObject() : o.Output.Raw.Clone()))],
        Aliases = result.Aliases.ToDictionary(a => a.Key, a => a.Value.NodeId, StringComparer.Ordinal),
        SubmittedAt = result.Timings.SubmittedAt,
        StartedAt = result.Timings.StartedAt,
        CompletedAt = result.Timings.CompletedAt,
        NodeMs = result.Timings.Nodes.ToDictionary(n => n.Key, n => n.Value.TotalMilliseconds, StringComparer.Ordinal),
        PoolServer = result.Pool?.Server.Value,
        PoolAttempts = result.Pool?.Attempts ?? 0,
        PoolWaitMs = result.Pool?.WaitTime.TotalMilliseconds ?? 0,
        PoolRunMs = result.Pool?.RunTime.TotalMilliseconds ?? 0,
    };

    /// <summary>The terminal record of a failed (or cancelled) job.</summary>
    public static StoredUpdate Failure(Exception error, string? promptId, string? server) => new()
    {
        Kind = error is OperationCanceledException ? StoredUpdate.Cancelled : StoredUpdate.Failed,
        PromptId = promptId ?? string.Empty,
        Server = server,
        ErrorType = error.GetType().FullName,
        Error = error.Message,
    };

    /// <summary>The update again; <paramref name="apiOf"/> gives the API of a named server (for output files), or null.</summary>
    /// <exception cref="ComfyException">An output of a server this process does not know.</exception>
    public static JobUpdate? Decode(StoredUpdate s, Func<string, ComfyApi?> apiOf)
    {
        ServerId? server = s.Server is { Length: > 0 } name ? new ServerId(name) : null;
        JobUpdate? update = s.Kind switch
        {
            StoredUpdate.Queued => new JobQueued(s.PromptId, s.Position, new Dictionary<string, NodeValidationError>()),
            StoredUpdate.Started => new JobStarted(s.PromptId, TimeSpan.FromMilliseconds(s.QueueWaitMs ?? 0)),
            StoredUpdate.Cached => new JobCached(s.PromptId, s.Nodes ?? []),
            StoredUpdate.NodeStarted => new JobNodeStarted(s.PromptId, s.NodeId ?? string.Empty, s.ClassType, s.Title),
            StoredUpdate.Progress => new JobProgress(s.PromptId, s.NodeId, s.Value ?? 0, s.Max ?? 0, s.Fraction ?? 0)
            {
                EstimatedRemaining = s.RemainingMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
            },
            StoredUpdate.NodeOutput => new JobNodeOutput(s.PromptId, JobOutput.Restore(
                Api(s.Server, apiOf), s.NodeId ?? string.Empty, s.ClassType, NodeOutput.FromJson(s.Output ?? EmptyObject()))),
            StoredUpdate.TextFrame => new JobText(s.PromptId, s.NodeId ?? string.Empty, s.Text ?? string.Empty),
            StoredUpdate.AttemptFailed => new JobAttemptFailed(s.PromptId, s.Attempt ?? 0, Error(s), s.WillRetry ?? false),
            StoredUpdate.Completed when s.Result is { } r => new JobCompleted(s.PromptId, Decode(r, apiOf)),
            _ => null,
        };
        return update is null ? null : update with { Server = server };
    }

    public static JobResult Decode(StoredResult r, Func<string, ComfyApi?> apiOf)
    {
        var api = r.Outputs.Count == 0 ? null : Api(r.PoolServer, apiOf);
        var outputs = r.Outputs.Select(o => JobOutput.Restore(api!, o.NodeId, o.ClassType, NodeOutput.FromJson(o.Output)));
        var pool = r.PoolServer is { Length: > 0 } server
            ? new PoolTimings(new ServerId(server), r.PoolAttempts, TimeSpan.FromMilliseconds(r.PoolWaitMs), TimeSpan.FromMilliseconds(r.PoolRunMs))
            : null;
        return JobResult.Restore(
            r.PromptId, outputs, r.Aliases, r.SubmittedAt, r.StartedAt, r.CompletedAt,
            r.NodeMs.ToDictionary(n => n.Key, n => TimeSpan.FromMilliseconds(n.Value), StringComparer.Ordinal), pool);
    }

    /// <summary>The error a failed or cancelled job ends with where it is observed.</summary>
    public static Exception Error(StoredUpdate s) => s.Kind == StoredUpdate.Cancelled || s.ErrorType == typeof(OperationCanceledException).FullName
        ? new OperationCanceledException(s.Error ?? "The job was cancelled.")
        : new ComfyRemoteJobException(s.Error ?? "The job failed.") { ErrorType = s.ErrorType };

    private static ComfyApi Api(string? server, Func<string, ComfyApi?> apiOf) =>
        (server is { Length: > 0 } ? apiOf(server) : null)
        ?? throw new ComfyException($"The job's outputs are on server '{server}', which this process does not know: add it to every process's distributed pool.");

    private static JsonElement EmptyObject()
    {
        using var doc = JsonDocument.Parse("{}");
        return doc.RootElement.Clone();
    }
}
