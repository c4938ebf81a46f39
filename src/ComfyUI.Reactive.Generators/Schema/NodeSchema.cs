using System.Collections.Generic;

namespace ComfyUI.Reactive.Generators.Schema;

/// <summary>One node class of object_info, as much of it as the generated code needs.</summary>
internal sealed class NodeSchema
{
    public NodeSchema(
        string classType,
        string? displayName,
        string? description,
        string category,
        bool isOutputNode,
        bool isDeprecated,
        bool isExperimental,
        bool isInputList,
        IReadOnlyList<InputSchema> inputs,
        IReadOnlyList<OutputSchema> outputs)
    {
        ClassType = classType;
        DisplayName = displayName;
        Description = description;
        Category = category;
        IsOutputNode = isOutputNode;
        IsDeprecated = isDeprecated;
        IsExperimental = isExperimental;
        IsInputList = isInputList;
        Inputs = inputs;
        Outputs = outputs;
    }

    /// <summary>The <c>class_type</c>: the object_info key.</summary>
    public string ClassType { get; }

    public string? DisplayName { get; }

    public string? Description { get; }

    /// <summary>The menu category, e.g. <c>sampling/custom_sampling</c>; empty when none.</summary>
    public string Category { get; }

    public bool IsOutputNode { get; }

    public bool IsDeprecated { get; }

    public bool IsExperimental { get; }

    /// <summary><c>is_input_list</c>: the node receives each input as a whole list (fed by list outputs) and runs once.</summary>
    public bool IsInputList { get; }

    /// <summary>Required inputs, then optional ones, each group in its declared order; hidden inputs are not here
    /// (the server fills them: prompt, extra_pnginfo, unique_id).</summary>
    public IReadOnlyList<InputSchema> Inputs { get; }

    public IReadOnlyList<OutputSchema> Outputs { get; }
}

/// <summary>One output slot.</summary>
internal sealed class OutputSchema
{
    public OutputSchema(string typeName, string name, string? tooltip, bool isList)
    {
        TypeName = typeName;
        Name = name;
        Tooltip = tooltip;
        IsList = isList;
    }

    /// <summary>The ComfyUI type, e.g. <c>MODEL</c>.</summary>
    public string TypeName { get; }

    /// <summary>The output's name (<c>output_name</c>), e.g. <c>MODEL</c> or <c>positive</c>.</summary>
    public string Name { get; }

    public string? Tooltip { get; }

    /// <summary>The node emits a list on this slot (<c>output_is_list</c>); consumers run once per item.</summary>
    public bool IsList { get; }
}
