namespace ComfyUI.Reactive.Pooling;

/// <summary>Whether one server can run one workflow, and if not, exactly what it lacks.</summary>
internal sealed record CapabilityMatch
{
    /// <summary>The match of a server that has everything.</summary>
    public static readonly CapabilityMatch Capable = new();

    /// <summary>Class types the server does not have, sorted.</summary>
    public IReadOnlyList<string> MissingClassTypes { get; init; } = [];

    /// <summary>Model files the server does not list, with the input that names them.</summary>
    public IReadOnlyList<ModelRequirement> MissingModels { get; init; } = [];

    /// <summary>Required tags the server does not carry.</summary>
    public IReadOnlyList<string> MissingTags { get; init; } = [];

    /// <summary>True when nothing is missing.</summary>
    public bool CanRun => MissingClassTypes.Count == 0 && MissingModels.Count == 0 && MissingTags.Count == 0;

    /// <summary>"can run", or "missing node types: A, B; missing model files: ...; missing tags: ...".</summary>
    public string Reason
    {
        get
        {
            if (CanRun)
            {
                return "can run";
            }

            var parts = new List<string>(3);
            if (MissingClassTypes.Count > 0)
            {
                parts.Add("missing node types: " + string.Join(", ", MissingClassTypes));
            }

            if (MissingModels.Count > 0)
            {
                parts.Add("missing model files: " + string.Join(", ", MissingModels));
            }

            if (MissingTags.Count > 0)
            {
                parts.Add("missing tags: " + string.Join(", ", MissingTags));
            }

            return string.Join("; ", parts);
        }
    }

    /// <summary>Returns <see cref="Reason"/>.</summary>
    public override string ToString() => Reason;
}
