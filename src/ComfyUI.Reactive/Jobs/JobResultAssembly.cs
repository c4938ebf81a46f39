using System.Text.Json;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Jobs;

/// <summary>Pure: a finished job's <see cref="JobResult"/> from what it saw, and a failed history entry's exception.</summary>
internal static class JobResultAssembly
{
    /// <summary>
    /// The result: the history's outputs when read (authoritative), else (and for nodes it lacks) what the socket said,
    /// plus <c>SaveImageWebsocket</c> images; aliases from the workflow; timings on the scheduler clock.
    /// </summary>
    public static JobResult Assemble(
        JobState state, Workflow workflow, ComfyApi api, IReadOnlyDictionary<string, List<JobImage>>? websocketImages,
        IReadOnlyDictionary<string, NodeOutput>? history, DateTimeOffset now)
    {
        var outputs = new Dictionary<string, JobOutput>(StringComparer.Ordinal);
        if (history is not null)
        {
            foreach (var (node, output) in history)
            {
                outputs[node] = new JobOutput(api, node, ClassOf(workflow, node), output, Images(node));
            }
        }

        foreach (var (node, output) in state.Outputs)
        {
            if (!outputs.ContainsKey(node) && (output is not null || history is null))
            {
                outputs[node] = new JobOutput(api, node, ClassOf(workflow, node), output, Images(node));
            }
        }

        if (websocketImages is not null)
        {
            foreach (var (node, images) in websocketImages)
            {
                if (!outputs.ContainsKey(node))
                {
                    outputs[node] = new JobOutput(api, node, ClassOf(workflow, node), null, images);
                }
            }
        }

        var aliases = new Dictionary<string, JobOutput>(StringComparer.Ordinal);
        foreach (var (alias, node) in workflow.Outputs)
        {
            if (outputs.TryGetValue(node, out var output))
            {
                aliases[alias] = output;
            }
        }

        var timings = new JobTimings(
            new DateTimeOffset(state.SubmittedAt, TimeSpan.Zero), state.StartedAt is { } started ? new DateTimeOffset(started, TimeSpan.Zero) : null, now, Durations(state));
        return new JobResult(state.PromptId, outputs, aliases, state.NodeErrors, timings);

        IReadOnlyList<JobImage>? Images(string node) =>
            websocketImages is not null && websocketImages.TryGetValue(node, out var list) ? list : null;
    }

    private static Dictionary<string, TimeSpan> Durations(JobState state)
    {
        var durations = new Dictionary<string, TimeSpan>(state.NodeTimes.Count, StringComparer.Ordinal);
        foreach (var (node, time) in state.NodeTimes)
        {
            durations[node] = time.Duration;
        }

        return durations;
    }

    /// <summary>The exception a history entry that did not succeed stands for.</summary>
    public static Exception ToException(string promptId, HistoryStatus status, Workflow workflow)
    {
        if (status.IsInterrupted)
        {
            var data = status.Messages.First(m => m.Name == "execution_interrupted").Data;
            var node = Str(data, "node_id");
            return new ComfyInterruptedException(promptId, node, Str(data, "node_type") ?? ClassOf(workflow, node));
        }

        if (status.ExecutionError is { } error)
        {
            var node = Str(error, "node_id");
            var traceback = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("traceback", out var t) && t.ValueKind == JsonValueKind.Array
                ? t.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : x.GetRawText()).ToList()
                : [];
            return new ComfyExecutionException(
                promptId, node, Str(error, "node_type") ?? ClassOf(workflow, node), Str(error, "exception_type") ?? string.Empty,
                Str(error, "exception_message") ?? string.Empty, traceback);
        }

        return new ComfyExecutionException(promptId, null, null, string.Empty, $"the server recorded the prompt as '{status.StatusStr}' without details", []);

        static string? Str(JsonElement e, string key) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
    }

    public static string? ClassOf(Workflow workflow, string? node) =>
        node is not null && workflow.ContainsNode(node) ? workflow.GetClassType(node) : null;
}
