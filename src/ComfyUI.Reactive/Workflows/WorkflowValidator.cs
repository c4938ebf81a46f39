using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Buffers;
using System.Text.Json;
using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Workflows;

/// <summary>
/// Client-side mirror of the server's <c>validate_prompt</c> / <c>validate_inputs</c> (ComfyUI 0.3.64, PROTOCOL.md
/// §5.2–5.3): same error types, messages, details, <c>extra_info</c> and node ids. Deliberate differences, all because
/// the server's behaviour there depends on Python set order or on code we cannot see: output nodes and inputs are
/// visited in document/declared order (the server iterates sets); tracebacks are empty; a node's own
/// <c>VALIDATE_INPUTS</c> is only known for upload inputs (LoadImage's file check); a cycle is reported as the newer
/// servers' <c>dependency_cycle</c> (0.3.64 would recurse until Python's recursion limit).
/// </summary>
internal sealed partial class WorkflowValidator
{
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();
    private static readonly JsonElement EmptyArray = JsonDocument.Parse("[]").RootElement.Clone();

    private readonly IReadOnlyDictionary<string, JsonElement> _nodes;
    private readonly NodeSchemaCatalog _catalog;
    private readonly WorkflowValidationOptions _options;
    private readonly Dictionary<string, NodeResult> _validated = new(StringComparer.Ordinal);
    private readonly List<string> _stack = [];

    // The same ids as _stack, for an O(1) cycle check: IndexOf on every link made a long chain quadratic.
    private readonly HashSet<string> _onStack = new(StringComparer.Ordinal);

    // Enough for some ten thousand more levels of the walk per extra thread.
    private const int FreshStackBytes = 16 * 1024 * 1024;

    private WorkflowValidator(IReadOnlyDictionary<string, JsonElement> nodes, NodeSchemaCatalog catalog, WorkflowValidationOptions options)
    {
        _nodes = nodes;
        _catalog = catalog;
        _options = options;
    }

    public static WorkflowValidationResult Validate(
        IReadOnlyList<string> ids, IReadOnlyDictionary<string, JsonElement> nodes, NodeSchemaCatalog catalog, WorkflowValidationOptions options) =>
        new WorkflowValidator(nodes, catalog, options).Run(ids);

    private WorkflowValidationResult Run(IReadOnlyList<string> ids)
    {
        var outputs = new List<string>();
        foreach (var id in ids)
        {
            // The server stops at the first node it cannot resolve, in prompt order. Newer servers call it
            // missing_node_type with extra_info; the recorded 0.3.64 said invalid_prompt, which is what we report.
            if (Workflow.ClassTypeOf(_nodes[id]) is not { } classType)
            {
                return PromptLevel("invalid_prompt", "Cannot execute because a node is missing the class_type property.", $"Node ID '#{id}'");
            }

            if (!_catalog.TryGetNode(classType, out var info))
            {
                return PromptLevel("invalid_prompt", $"Cannot execute because node {classType} does not exist.", $"Node ID '#{id}'");
            }

            if (info.OutputNode)
            {
                outputs.Add(id);
            }
        }

        if (outputs.Count == 0)
        {
            return PromptLevel("prompt_no_outputs", "Prompt has no outputs", string.Empty);
        }

        var good = new List<string>();
        var failed = new List<IReadOnlyList<PromptError>>();
        var nodeErrors = new Dictionary<string, FailedNode>(StringComparer.Ordinal);
        foreach (var output in outputs)
        {
            var outcome = ValidateNode(output);
            IReadOnlyList<PromptError> reasons;
            bool valid;
            if (outcome.Raised is { } raised)
            {
                reasons = [Error("exception_during_validation", "Exception when validating node", raised.Message, w =>
                {
                    w.WriteString("exception_type", raised.Type);
                    w.WritePropertyName("traceback");
                    EmptyArray.WriteTo(w);
                })];
                _validated[output] = new NodeResult(false, reasons);
                valid = false;
            }
            else
            {
                valid = outcome.Result!.Valid;
                reasons = outcome.Result.Errors;
            }

            if (valid)
            {
                good.Add(output);
                continue;
            }

            failed.Add(reasons);

            // As the server does: every node validated so far with errors of its own gets this output as a dependent.
            foreach (var (nodeId, result) in _validated)
            {
                if (!result.Valid && result.Errors.Count > 0)
                {
                    if (!nodeErrors.TryGetValue(nodeId, out var entry))
                    {
                        entry = new FailedNode(result.Errors, []);
                        nodeErrors[nodeId] = entry;
                    }

                    entry.Dependents.Add(output);
                }
            }
        }

        var errors = nodeErrors.ToDictionary(
            kv => kv.Key,
            kv => new NodeValidationError
            {
                NodeId = kv.Key,
                ClassType = Workflow.ClassTypeOf(_nodes[kv.Key]) ?? string.Empty,
                DependentOutputs = kv.Value.Dependents,
                Errors = kv.Value.Errors,
            },
            StringComparer.Ordinal);
        PromptError? error = null;
        if (good.Count == 0)
        {
            error = Error(
                "prompt_outputs_failed_validation",
                "Prompt outputs failed validation",
                string.Join('\n', failed.SelectMany(r => r).Select(e => $"{e.Message}: {e.Details}")),
                null);
        }

        return new WorkflowValidationResult(error, errors, outputs, good);
    }

    private Outcome ValidateNode(string id)
    {
        if (_validated.TryGetValue(id, out var done))
        {
            return new Outcome(done, null);
        }

        // The walk recurses once per link, like the server's: a chain of thousands of nodes would overflow the stack,
        // which ends the process. When the stack runs low the walk goes on on a fresh thread (the StackGuard pattern):
        // the same order and results as a plain recursion, which an explicit stack would have to re-create.
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            return OnFreshStack(() => ValidateNode(id));
        }

        _stack.Add(id);
        _onStack.Add(id);
        try
        {
            return ValidateInputs(id);
        }
        finally
        {
            _stack.RemoveAt(_stack.Count - 1);
            _onStack.Remove(id);
        }
    }

    /// <summary>Runs <paramref name="walk"/> on a new thread with a large stack and waits for it; this validator is only
    /// ever used by one thread at a time, and <see cref="Thread.Join()"/> publishes the new thread's writes.</summary>
    private static Outcome OnFreshStack(Func<Outcome> walk)
    {
        Outcome outcome = default;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(
            () =>
            {
                try
                {
                    outcome = walk();
                }
#pragma warning disable CA1031 // Rethrown on the calling thread below: an exception must not end the process here.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    failure = ExceptionDispatchInfo.Capture(ex);
                }
            },
            FreshStackBytes)
        {
            IsBackground = true,
            Name = "ComfyUI workflow validation",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return outcome;
    }

    private Outcome ValidateInputs(string id)
    {
        var node = _nodes[id];
        _catalog.TryGetNode(Workflow.ClassTypeOf(node)!, out var info);
        var inputs = Workflow.InputsOf(node);
        var errors = new List<PromptError>();
        var valid = true;
        var fileChecks = new List<FileCheck>();
        foreach (var (name, spec, required) in NodeSchemaCatalog.DeclarationsOf(info!).Inputs)
        {
            if (inputs is not { } present || !present.TryGetProperty(name, out var value))
            {
                if (required)
                {
                    errors.Add(Error("required_input_missing", "Required input is missing", name, w => w.WriteString("input_name", name)));
                }

                continue;
            }

            if (value.ValueKind == JsonValueKind.Array)
            {
                var linked = ValidateLink(id, name, spec, value, errors);
                if (linked.Raised is not null)
                {
                    return linked;
                }

                valid &= linked.Result!.Valid;
                continue;
            }

            if (UploadKind(spec) is not null)
            {
                // These nodes define VALIDATE_INPUTS for the input, so the server skips min/max/combo and asks the node.
                if (_options.CheckInputFiles)
                {
                    fileChecks.Add(new FileCheck(name, spec, value));
                }

                continue;
            }

            ValidateValue(name, spec, value, errors);
        }

        foreach (var (name, spec, value) in fileChecks)
        {
            if (!IsKnownFile(spec, value))
            {
                errors.Add(Error(
                    "custom_validation_failed",
                    "Custom validation failed for node",
                    $"{name} - Invalid {UploadKind(spec)} file: {PythonValue.Str(value)}",
                    w => w.WriteString("input_name", name)));
            }
        }

        var result = new NodeResult(errors.Count == 0 && valid, errors);
        _validated[id] = result;
        return new Outcome(result, null);
    }

    private static Outcome Raise(string type, string message) => new(null, new Raised(type, message));

    private static WorkflowValidationResult PromptLevel(string type, string message, string details) =>
        new(Error(type, message, details, null), new Dictionary<string, NodeValidationError>(), [], []);

    private static PromptError Error(string type, string message, string details, Action<Utf8JsonWriter>? extra)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            extra?.Invoke(writer);
            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return new PromptError { Type = type, Message = message, Details = details, ExtraInfo = document.RootElement.Clone() };
    }

    private sealed record NodeResult(bool Valid, IReadOnlyList<PromptError> Errors);

    private readonly record struct Raised(string Type, string Message);

    private readonly record struct Outcome(NodeResult? Result, Raised? Raised);

    // Classes rather than tuples: generic collections over a struct are compiled at run time for each struct type, and
    // these run in every job's validation (see SharedGenericCodeTests).
    private sealed record FailedNode(IReadOnlyList<PromptError> Errors, List<string> Dependents);

    private sealed record FileCheck(string Name, InputSpec Spec, JsonElement Value);
}
