using ComfyUI.Reactive.Workflows.Typed;

namespace ComfyUI.Reactive.Jobs;

/// <summary>Reads a <see cref="JobResult"/> by the typed output nodes of a <see cref="TypedGraph"/>.</summary>
public static class TypedJobResults
{
    /// <summary>What an output node produced (its images, audio, text, ...).</summary>
    /// <param name="result">The job's result.</param>
    /// <param name="node">The output node, as its generated graph method returned it.</param>
    /// <returns>The node's output.</returns>
    /// <exception cref="KeyNotFoundException">The node produced no output in this job.</exception>
    public static JobOutput Of(this JobResult result, OutputNode node)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(node);
        return result.Outputs.TryGetValue(node.Id, out var output)
            ? output
            : throw new KeyNotFoundException(
                $"Output node {node} produced no output in job {result.PromptId} (nodes with output: {string.Join(", ", result.Outputs.Keys)}).");
    }
}
