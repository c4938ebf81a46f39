using System.Text.Json;

namespace ComfyUI.Reactive.Workflows;

public sealed partial class Workflow
{
    /// <summary>
    /// Checks the workflow against a server's node schemas the way the server checks <c>POST /prompt</c>, without
    /// sending anything: unknown class types, missing required inputs, values of the wrong type, below min, above max or
    /// not in a combo list, links to missing nodes or outputs, link type mismatches, no output node. Errors carry the
    /// server's own type names, messages and node ids. Seeds of <c>-1</c> are checked as a drawn seed would be.
    /// </summary>
    /// <param name="schema">The server's node schemas.</param>
    /// <param name="options">What to check; <see cref="WorkflowValidationOptions.Default"/> when null.</param>
    /// <returns>The result; never throws for an invalid workflow.</returns>
    public WorkflowValidationResult Validate(NodeSchemaCatalog schema, WorkflowValidationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        IReadOnlyDictionary<string, JsonElement> nodes = _nodes;
        if (HasRandomSeeds)
        {
            using var document = JsonDocument.Parse(RenderCore(Random.Shared, schema).ToJsonString());
            nodes = document.RootElement.Clone().EnumerateObject().GroupBy(p => p.Name, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        }

        var result = WorkflowValidator.Validate(NodeIds, nodes, schema, options ?? WorkflowValidationOptions.Default);
        return new WorkflowValidationResult(result.Error, result.NodeErrors, result.Outputs, result.ValidOutputs)
        {
            UndeclaredInputs = FindUndeclared(schema),
        };
    }

    private List<UndeclaredInput> FindUndeclared(NodeSchemaCatalog schema)
    {
        var found = new List<UndeclaredInput>();
        foreach (var id in NodeIds)
        {
            if (ClassTypeOf(_nodes[id]) is not { } classType || !schema.TryGetNode(classType, out var info) || InputsOf(_nodes[id]) is not { } inputs)
            {
                continue;
            }

            var declared = NodeSchemaCatalog.DeclarationsOf(info).Names;
            foreach (var input in inputs.EnumerateObject())
            {
                // V3 dynamic inputs arrive as dotted names under a declared one (PROTOCOL.md §5.1).
                if (!declared.Contains(input.Name) && !(input.Name.IndexOf('.', StringComparison.Ordinal) is > 0 and var dot && declared.Contains(input.Name[..dot])))
                {
                    found.Add(new UndeclaredInput(id, classType, input.Name, NameSuggestions.Nearest(input.Name, declared)));
                }
            }
        }

        return found;
    }

    /// <summary>Validates (see <see cref="Validate"/>) and throws when the server would reject the prompt.</summary>
    /// <param name="schema">The server's node schemas.</param>
    /// <param name="options">What to check; <see cref="WorkflowValidationOptions.Default"/> when null.</param>
    /// <returns>This workflow, for chaining.</returns>
    /// <exception cref="ComfyPromptValidationException">The server would answer 400; same error and node errors.</exception>
    public Workflow EnsureValid(NodeSchemaCatalog schema, WorkflowValidationOptions? options = null)
    {
        Validate(schema, options).ThrowIfInvalid();
        return this;
    }
}
