using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Rest;

namespace ComfyUI.Reactive.Workflows;

/// <summary>
/// The outcome of client-side validation (<see cref="Workflow.Validate"/>), shaped like the server's answer to
/// <c>POST /prompt</c>: <see cref="Error"/> and <see cref="NodeErrors"/> are what a 400 body would hold.
/// </summary>
public sealed class WorkflowValidationResult
{
    internal WorkflowValidationResult(
        PromptError? error,
        IReadOnlyDictionary<string, NodeValidationError> nodeErrors,
        IReadOnlyList<string> outputs,
        IReadOnlyList<string> validOutputs)
    {
        Error = error;
        NodeErrors = nodeErrors;
        Outputs = outputs;
        ValidOutputs = validOutputs;
    }

    /// <summary>
    /// Inputs that a node's schema does not declare: usually a misspelt name. Not an error (the server ignores such
    /// constants and still runs the prompt, with the node's own value), so <see cref="IsValid"/> does not depend on them,
    /// but a value put there never reaches the node. Listed in document order.
    /// </summary>
    public IReadOnlyList<UndeclaredInput> UndeclaredInputs { get; internal init; } = [];

    /// <summary>
    /// True when the server would queue the prompt: at least one output node validates. <see cref="NodeErrors"/> may
    /// still list nodes whose outputs the server would then skip.
    /// </summary>
    public bool IsValid => Error is null;

    /// <summary>The prompt-level error (<c>prompt_outputs_failed_validation</c>, <c>prompt_no_outputs</c>,
    /// <c>invalid_prompt</c>), or null when valid.</summary>
    public PromptError? Error { get; }

    /// <summary>Every node with errors of its own, by node id, with the output nodes that depend on it.</summary>
    public IReadOnlyDictionary<string, NodeValidationError> NodeErrors { get; }

    /// <summary>The output nodes (execution roots) in document order.</summary>
    public IReadOnlyList<string> Outputs { get; }

    /// <summary>The output nodes that validate and would run.</summary>
    public IReadOnlyList<string> ValidOutputs { get; }

    /// <summary>The result as the server's JSON body: <c>{"error": ..., "node_errors": {...}}</c> (error is null when valid).</summary>
    /// <returns>JSON text.</returns>
    public string ToResponseJson()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("error");
            if (Error is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                PromptErrorJsonConverter.WriteError(writer, Error);
            }

            writer.WritePropertyName("node_errors");
            new NodeErrorsJsonConverter().Write(writer, NodeErrors, ComfyRestJsonContext.Default.Options);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// The exception the server's 400 would have produced: the same <see cref="ComfyPromptValidationException"/> type,
    /// error and node errors, so callers handle a client-side and a server-side rejection alike.
    /// <see cref="ComfyApiException.RequestUri"/> is null (no request was made) and the status is the 400 the server would send.
    /// </summary>
    /// <returns>The exception.</returns>
    /// <exception cref="InvalidOperationException">The result is valid.</exception>
    public ComfyPromptValidationException ToException()
    {
        if (Error is null)
        {
            throw new InvalidOperationException("The workflow is valid; there is no rejection to report.");
        }

        return new ComfyPromptValidationException(Describe(), HttpStatusCode.BadRequest, "POST", null, ToResponseJson(), Error, NodeErrors);
    }

    /// <summary>Throws <see cref="ToException"/> when the workflow is not valid.</summary>
    /// <exception cref="ComfyPromptValidationException">The server would reject the prompt.</exception>
    public void ThrowIfInvalid()
    {
        if (Error is not null)
        {
            throw ToException();
        }
    }

    /// <summary>Returns a one-line summary.</summary>
    public override string ToString() => IsValid ? $"valid ({ValidOutputs.Count} of {Outputs.Count} outputs)" : Describe();

    private string Describe()
    {
        var message = new StringBuilder("Client-side validation rejected the prompt (the server would answer 400): ")
            .Append(Error!.Message.TrimEnd('.')).Append(" (").Append(Error.Type).Append(')');
        if (NodeErrors.Count == 0)
        {
            return (Error.Details.Length > 0 ? message.Append(": ").Append(Error.Details) : message).Append('.').ToString();
        }

        message.Append('.');
        foreach (var node in NodeErrors.Values.Take(5))
        {
            message.Append(" Node ").Append(node.NodeId).Append(" (").Append(node.ClassType).Append("): ")
                .Append(string.Join("; ", node.Errors.Select(e => $"{e.Message}: {e.Details}".ReplaceLineEndings(" ")))).Append('.');
        }

        return message.ToString();
    }
}

/// <summary>An input a node carries that its schema does not declare (see <see cref="WorkflowValidationResult.UndeclaredInputs"/>).</summary>
/// <param name="NodeId">The node.</param>
/// <param name="ClassType">The node's class type.</param>
/// <param name="InputName">The undeclared input.</param>
/// <param name="Suggestions">The declared inputs nearest to it, closest first (possibly none).</param>
public sealed record UndeclaredInput(string NodeId, string ClassType, string InputName, IReadOnlyList<string> Suggestions)
{
    /// <summary>"Node 6 (CLIPTextEncode) has no input 'txet' (did you mean 'text'?)".</summary>
    public override string ToString() =>
        $"Node {NodeId} ({ClassType}) has no input '{InputName}'" +
        (Suggestions.Count == 0 ? string.Empty : $" (did you mean {string.Join(" or ", Suggestions.Select(s => $"'{s}'"))}?)");
}
