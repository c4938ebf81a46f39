using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Jobs;

/// <summary>
/// What a finished job produced: the outputs by node id and by alias (<see cref="Workflows.Workflow.Outputs"/>), the
/// outputs the server dropped at validation, and the timings. Fresh, partly cached and fully cached runs give the same shape.
/// </summary>
public sealed class JobResult
{
    internal JobResult(
        string promptId,
        IReadOnlyDictionary<string, JobOutput> outputs,
        IReadOnlyDictionary<string, JobOutput> aliases,
        IReadOnlyDictionary<string, NodeValidationError> nodeErrors,
        JobTimings timings)
    {
        PromptId = promptId;
        Outputs = outputs;
        Aliases = aliases;
        NodeErrors = nodeErrors;
        Timings = timings;
    }

    /// <summary>The prompt's id on the server (the client-generated one, or the server's own on servers that ignore it; see
    /// <see cref="JobUpdate.PromptId"/>).</summary>
    public string PromptId { get; }

    /// <summary>Every node that produced output, by node id.</summary>
    public IReadOnlyDictionary<string, JobOutput> Outputs { get; }

    /// <summary>The outputs named by the workflow's aliases (alias → output); aliases whose node produced nothing are absent.</summary>
    public IReadOnlyDictionary<string, JobOutput> Aliases { get; }

    /// <summary>Outputs the server dropped at submission because they failed validation (empty when all validated).</summary>
    public IReadOnlyDictionary<string, NodeValidationError> NodeErrors { get; }

    /// <summary>When the job was submitted, started and completed.</summary>
    public JobTimings Timings { get; }

    /// <summary>For a job run by a <c>ComfyPool</c>: the server that produced this result, the attempts it took and
    /// the time spent waiting in the pool and running; null for a job run on one <see cref="ComfyClient"/>.</summary>
    public PoolTimings? Pool { get; private init; }

    /// <summary>Every image file of every output, in node order.</summary>
    public IEnumerable<JobFile> Images => Outputs.Values.SelectMany(o => o.Images);

    /// <summary>The output of an alias or node id.</summary>
    /// <param name="aliasOrNodeId">An alias set with <see cref="Workflows.Workflow.Output"/>, or a node id.</param>
    /// <returns>The output.</returns>
    /// <exception cref="KeyNotFoundException">Neither an alias nor a node with output.</exception>
    public JobOutput this[string aliasOrNodeId] =>
        TryGetOutput(aliasOrNodeId, out var output)
            ? output
            : throw new KeyNotFoundException($"The job has no output '{aliasOrNodeId}'. {Describe("Outputs (node ids)", Outputs.Keys)}; {Describe("aliases", Aliases.Keys)}{(Aliases.Count == 0 ? " (name an output with Workflow.Output(alias, nodeId))" : string.Empty)}.");

    // An empty list must read as "none", not as a dangling "aliases: ." that looks like a formatting bug.
    private static string Describe(string what, IEnumerable<string> keys)
    {
        var list = string.Join(", ", keys.Select(k => $"'{k}'"));
        return list.Length == 0 ? $"{what}: none" : $"{what}: {list}";
    }

    /// <summary>Finds the output of an alias or node id.</summary>
    /// <param name="aliasOrNodeId">An alias or a node id.</param>
    /// <param name="output">The output when found.</param>
    /// <returns>True when found.</returns>
    public bool TryGetOutput(string aliasOrNodeId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out JobOutput? output) =>
        Aliases.TryGetValue(aliasOrNodeId, out output) || Outputs.TryGetValue(aliasOrNodeId, out output);

    /// <summary>
    /// A result without outputs, for tests and UI previews: what a view model or a service sees when a job completes,
    /// without a server (<c>new JobCompleted(result.PromptId, result)</c> makes the update). Supported API: results the
    /// SDK makes have the same shape.
    /// </summary>
    /// <param name="promptId">The prompt id.</param>
    /// <param name="submittedAt">When it was submitted.</param>
    /// <param name="completedAt">When it completed; null: <paramref name="submittedAt"/>.</param>
    /// <param name="startedAt">When it started; null when not observed.</param>
    /// <param name="nodeTimings">Time per node id; null for none.</param>
    /// <returns>The result.</returns>
    public static JobResult Create(
        string promptId,
        DateTimeOffset submittedAt,
        DateTimeOffset? completedAt = null,
        DateTimeOffset? startedAt = null,
        IReadOnlyDictionary<string, TimeSpan>? nodeTimings = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(promptId);
        return new(
            promptId,
            new Dictionary<string, JobOutput>(StringComparer.Ordinal),
            new Dictionary<string, JobOutput>(StringComparer.Ordinal),
            new Dictionary<string, NodeValidationError>(StringComparer.Ordinal),
            new JobTimings(submittedAt, startedAt, completedAt ?? submittedAt, nodeTimings ?? new Dictionary<string, TimeSpan>(StringComparer.Ordinal)));
    }

    /// <summary>
    /// A result rebuilt from stored parts: what a process that did not run the job (a distributed pool's observer, a
    /// process that re-attached to a prompt after a restart) makes from a job record or the server's history. Node
    /// validation errors and websocket image bytes are not restored (they are not stored).
    /// </summary>
    /// <param name="promptId">The prompt id.</param>
    /// <param name="outputs">The outputs, one per node (<see cref="JobOutput.Restore"/>).</param>
    /// <param name="aliases">Alias to node id (<c>Workflow.Output(alias, nodeId)</c>); aliases of missing nodes are
    /// skipped; null for none.</param>
    /// <param name="submittedAt">When it was submitted.</param>
    /// <param name="startedAt">When it started; null when not observed.</param>
    /// <param name="completedAt">When it completed.</param>
    /// <param name="nodeTimings">Time per node id; null for none.</param>
    /// <param name="pool">The pool's timings, or null.</param>
    /// <returns>The result.</returns>
    public static JobResult Restore(
        string promptId,
        IEnumerable<JobOutput> outputs,
        IReadOnlyDictionary<string, string>? aliases,
        DateTimeOffset submittedAt,
        DateTimeOffset? startedAt,
        DateTimeOffset completedAt,
        IReadOnlyDictionary<string, TimeSpan>? nodeTimings = null,
        PoolTimings? pool = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(promptId);
        ArgumentNullException.ThrowIfNull(outputs);
        var byNode = new Dictionary<string, JobOutput>(StringComparer.Ordinal);
        foreach (var output in outputs)
        {
            byNode[output.NodeId] = output;
        }

        var byAlias = new Dictionary<string, JobOutput>(StringComparer.Ordinal);
        foreach (var (alias, nodeId) in aliases ?? new Dictionary<string, string>())
        {
            if (byNode.TryGetValue(nodeId, out var output))
            {
                byAlias[alias] = output;
            }
        }

        var timings = new JobTimings(submittedAt, startedAt, completedAt, nodeTimings ?? new Dictionary<string, TimeSpan>(StringComparer.Ordinal));
        return new(promptId, byNode, byAlias, new Dictionary<string, NodeValidationError>(StringComparer.Ordinal), timings) { Pool = pool };
    }

    /// <summary>The same result with the pool's timings.</summary>
    internal JobResult WithPool(PoolTimings pool) => new(PromptId, Outputs, Aliases, NodeErrors, Timings) { Pool = pool };

    /// <summary>Returns the prompt id and the output count.</summary>
    public override string ToString() => $"Job {PromptId}: {Outputs.Count} outputs, {Timings}";
}
