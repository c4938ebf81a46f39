using System.Collections.Generic;
using ComfyUI.Reactive.Generators.Schema;

namespace ComfyUI.Reactive.Generators.Planning;

/// <summary>Every C# name of one generated graph, chosen before any code is written so that writers never collide.</summary>
internal sealed class GraphPlan
{
    public GraphPlan(string rootNamespace, string graphName, IReadOnlyList<NodePlan> nodes, IReadOnlyList<TypeMarkerPlan> markers)
    {
        RootNamespace = rootNamespace;
        GraphName = graphName;
        Nodes = nodes;
        Markers = markers;
    }

    public string RootNamespace { get; }

    public string GraphName { get; }

    public IReadOnlyList<NodePlan> Nodes { get; }

    public IReadOnlyList<TypeMarkerPlan> Markers { get; }

    public string TypesNamespace => RootNamespace + ".Types";
}

/// <summary>A ComfyUI type name and its marker class (<c>MODEL</c> → <c>Model</c>).</summary>
internal sealed class TypeMarkerPlan
{
    public TypeMarkerPlan(string typeName, string className)
    {
        TypeName = typeName;
        ClassName = className;
    }

    public string TypeName { get; }

    public string ClassName { get; }
}

/// <summary>One node: its graph method, its handle class and the names of their members.</summary>
internal sealed class NodePlan
{
    public NodePlan(NodeSchema schema, string methodName, string @namespace, string className)
    {
        Schema = schema;
        MethodName = methodName;
        Namespace = @namespace;
        ClassName = className;
    }

    public NodeSchema Schema { get; }

    public string MethodName { get; }

    /// <summary>The category namespace, e.g. <c>ComfyNodes.Sampling</c>.</summary>
    public string Namespace { get; }

    public string ClassName { get; }

    public string FullClassName => "global::" + Namespace + "." + ClassName;

    /// <summary>Parameters in signature order: required ones, then those with defaults or optional.</summary>
    public List<ParameterPlan> Parameters { get; } = new();

    public List<OutputPlan> Outputs { get; } = new();

    public List<OptionsPlan> Options { get; } = new();

    /// <summary>Result accessors of an output node (<c>ImagesIn</c>, ...).</summary>
    public List<ResultAccessorPlan> ResultAccessors { get; } = new();
}

/// <summary>One C# parameter for one input.</summary>
internal sealed class ParameterPlan
{
    public ParameterPlan(InputSchema input, string name, string type, string? defaultLiteral, OptionsPlan? options)
    {
        Input = input;
        Name = name;
        Type = type;
        DefaultLiteral = defaultLiteral;
        Options = options;
    }

    public InputSchema Input { get; }

    /// <summary>The bare identifier (without <c>@</c>).</summary>
    public string Name { get; }

    /// <summary>The C# type as written in the signature (nullable for optional inputs without a default).</summary>
    public string Type { get; }

    /// <summary>The C# default (<c>20L</c>, <c>"euler"</c>, <c>null</c>), or null for a required parameter.</summary>
    public string? DefaultLiteral { get; }

    /// <summary>A combo's constants class, when it has values.</summary>
    public OptionsPlan? Options { get; }

    /// <summary>Null means "not given": the input is left out of the prompt (optional inputs without a default).</summary>
    public bool OmitsWhenNull => DefaultLiteral == "null";
}

/// <summary>One typed output property.</summary>
internal sealed class OutputPlan
{
    public OutputPlan(OutputSchema output, int index, string propertyName, TypeMarkerPlan marker)
    {
        Output = output;
        Index = index;
        PropertyName = propertyName;
        Marker = marker;
    }

    public OutputSchema Output { get; }

    public int Index { get; }

    public string PropertyName { get; }

    public TypeMarkerPlan Marker { get; }
}

/// <summary>A nested static class of string constants for a combo's values.</summary>
internal sealed class OptionsPlan
{
    public OptionsPlan(string className, string inputName)
    {
        ClassName = className;
        InputName = inputName;
    }

    public string ClassName { get; }

    public string InputName { get; }

    public List<KeyValuePair<string, string>> Constants { get; } = new();
}

/// <summary>A method that reads an output node's files or text from a job result.</summary>
internal sealed class ResultAccessorPlan
{
    public ResultAccessorPlan(string methodName, string returnType, string jobOutputMember, string what)
    {
        MethodName = methodName;
        ReturnType = returnType;
        JobOutputMember = jobOutputMember;
        What = what;
    }

    public string MethodName { get; }

    public string ReturnType { get; }

    /// <summary>The <c>JobOutput</c> property it reads, e.g. <c>Images</c>.</summary>
    public string JobOutputMember { get; }

    public string What { get; }
}
