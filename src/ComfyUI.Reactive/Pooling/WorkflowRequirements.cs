using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Pooling;

/// <summary>
/// What a server must have to run a workflow: its node class types, the model files its inputs name, and the tags the
/// caller asked for. Extracted once per submission (<see cref="From"/>) and stored with the queued item; plain data, so it
/// serialises with the item.
/// </summary>
public sealed record WorkflowRequirements
{
    // Worked out once and kept with the lists it was worked out from: a copy made with `with` shares this field, so a
    // copy with other lists must not use it (read through Derive).
    private Derived? _derived;

    /// <summary>The distinct class types, sorted ordinally.</summary>
    public required IReadOnlyList<string> ClassTypes { get; init; }

    /// <summary>Every model file reference, in node then input order (see <see cref="Workflow.IsModelReference"/>).</summary>
    public required IReadOnlyList<ModelRequirement> Models { get; init; }

    /// <summary>Tags every capable server must carry, distinct and sorted ordinally.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>
    /// The checkpoint-like files (inputs <c>ckpt_name</c> and <c>unet_name</c>), distinct: what "the server that last ran
    /// the same checkpoint" compares.
    /// </summary>
    [JsonIgnore]
    public IReadOnlyList<string> Checkpoints => Derive().Checkpoints;

    /// <summary>
    /// A stable key (hex SHA-256) of the class types, model files by class and input, and tags: two requirement sets with
    /// the same key are matched the same way against any server, so match results can be cached by it.
    /// </summary>
    [JsonIgnore]
    public string Key => Derive().Key;

    /// <summary>Extracts the requirements of a workflow.</summary>
    /// <param name="workflow">The workflow.</param>
    /// <param name="tags">Tags every capable server must carry; null for none.</param>
    /// <returns>The requirements.</returns>
    public static WorkflowRequirements From(Workflow workflow, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var classTypes = new SortedSet<string>(StringComparer.Ordinal);
        var models = new List<ModelRequirement>();
        foreach (var nodeId in workflow.NodeIds)
        {
            var node = workflow.NodeElements[nodeId];
            var classType = Workflow.ClassTypeOf(node);
            if (classType is null)
            {
                continue;
            }

            classTypes.Add(classType);
            if (Workflow.InputsOf(node) is not { } inputs)
            {
                continue;
            }

            foreach (var input in inputs.EnumerateObject())
            {
                if (input.Value.ValueKind == JsonValueKind.String &&
                    input.Value.GetString() is { Length: > 0 } value &&
                    Workflow.IsModelReference(input.Name, value))
                {
                    models.Add(new ModelRequirement(nodeId, classType, input.Name, value));
                }
            }
        }

        return new WorkflowRequirements
        {
            ClassTypes = [.. classTypes],
            Models = models,
            Tags = tags is null ? [] : [.. tags.Where(t => !string.IsNullOrEmpty(t)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
        };
    }

    /// <summary>The key and the checkpoints, computed once per set of lists: the scheduler reads them for every decision
    /// about this job.</summary>
    private Derived Derive()
    {
        var derived = _derived;
        if (derived is null || !ReferenceEquals(derived.ClassTypes, ClassTypes) || !ReferenceEquals(derived.Models, Models) ||
            !ReferenceEquals(derived.Tags, Tags))
        {
            IReadOnlyList<string> checkpoints =
                [.. Models.Where(m => m.Input is "ckpt_name" or "unet_name").Select(m => m.File).Distinct(StringComparer.Ordinal)];
            derived = new Derived(ClassTypes, Models, Tags, ComputeKey(), checkpoints);
            _derived = derived;
        }

        return derived;
    }

    private string ComputeKey()
    {
        var text = new StringBuilder();
        foreach (var classType in ClassTypes)
        {
            text.Append("c\0").Append(classType).Append('\n');
        }

        // Node ids do not change what a server must have; class, input and file do.
        foreach (var model in Models.Select(m => $"{m.ClassType}\0{m.Input}\0{m.File}").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            text.Append("m\0").Append(model).Append('\n');
        }

        foreach (var tag in Tags)
        {
            text.Append("t\0").Append(tag).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private sealed record Derived(
        IReadOnlyList<string> ClassTypes, IReadOnlyList<ModelRequirement> Models, IReadOnlyList<string> Tags, string Key, IReadOnlyList<string> Checkpoints);
}
