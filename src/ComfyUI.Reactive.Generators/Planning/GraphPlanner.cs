using System;
using System.Collections.Generic;
using System.Linq;
using ComfyUI.Reactive.Generators.Emit;
using ComfyUI.Reactive.Generators.Naming;
using ComfyUI.Reactive.Generators.Schema;

namespace ComfyUI.Reactive.Generators.Planning;

/// <summary>Chooses every C# name of a graph (see <see cref="GraphPlan"/>).</summary>
internal static class GraphPlanner
{
    private const string Typed = "global::ComfyUI.Reactive.Workflows.Typed.";

    // Members a generated class inherits or declares itself: a ComfyUI name that reads the same gets a suffix.
    private static readonly string[] ObjectMembers = { "Equals", "GetHashCode", "GetType", "ToString", "MemberwiseClone", "ReferenceEquals", "Finalize" };

    public static GraphPlan Plan(string rootNamespace, string graphName, IReadOnlyList<NodeSchema> nodes)
    {
        var markers = PlanMarkers(nodes);
        var methods = new NameScope(ObjectMembers.Concat(new[] { graphName, "Build", "Builder", "AddNode" }).ToArray());
        var namespaces = CategoryNamespaces(rootNamespace, graphName, nodes);
        var classScopes = new Dictionary<string, NameScope>(StringComparer.Ordinal);
        foreach (var ns in namespaces.Values.Distinct())
        {
            // A class may not share its name with a namespace beside it (ComfyNodes.Latent.Advanced vs a class Advanced).
            var children = namespaces.Values
                .Where(other => other.StartsWith(ns + ".", StringComparison.Ordinal))
                .Select(other => other.Substring(ns.Length + 1).Split('.')[0]);
            classScopes[ns] = new NameScope(children.ToArray());
        }

        var plans = new List<NodePlan>();
        foreach (var node in nodes)
        {
            var method = methods.Take(Identifiers.Pascal(node.ClassType));
            var ns = namespaces[node.Category];
            var plan = new NodePlan(node, method, ns, classScopes[ns].Take(method));
            PlanMembers(plan, rootNamespace, markers);
            plans.Add(plan);
        }

        return new GraphPlan(rootNamespace, graphName, plans, markers.Values.OrderBy(m => m.ClassName, StringComparer.Ordinal).ToList());
    }

    private static Dictionary<string, TypeMarkerPlan> PlanMarkers(IReadOnlyList<NodeSchema> nodes)
    {
        var names = nodes.SelectMany(n => n.Inputs.Where(i => i.Kind == InputKind.Link).Select(i => i.TypeName))
            .Concat(nodes.SelectMany(n => n.Outputs.Select(o => o.TypeName)))
            .Distinct(StringComparer.Ordinal)
            .OrderBy(n => n, StringComparer.Ordinal);
        var scope = new NameScope();
        var markers = new Dictionary<string, TypeMarkerPlan>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            markers[name] = new TypeMarkerPlan(name, scope.Take(name == "*" ? "Any" : Identifiers.Pascal(name)));
        }

        return markers;
    }

    /// <summary>Category → namespace: <c>advanced/hooks/cond pair</c> → <c>Root.Advanced.Hooks.CondPair</c>.</summary>
    private static Dictionary<string, string> CategoryNamespaces(string root, string graphName, IReadOnlyList<NodeSchema> nodes)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var category in nodes.Select(n => n.Category).Distinct(StringComparer.Ordinal))
        {
            var segments = category.Split('/').Where(s => s.Trim().Length > 0).Select(Identifiers.Pascal).ToList();
            if (segments.Count == 0)
            {
                segments.Add("Uncategorized");
            }

            // The root namespace holds the graph class and Types: a category named like them moves aside.
            if (segments[0] == graphName || segments[0] == "Types")
            {
                segments[0] += "Nodes";
            }

            result[category] = root + "." + string.Join(".", segments);
        }

        return result;
    }

    private static void PlanMembers(NodePlan plan, string root, Dictionary<string, TypeMarkerPlan> markers)
    {
        var members = new NameScope(ObjectMembers.Concat(new[] { plan.ClassName, "Node", "Id", "OutputAt" }).ToArray());
        var schema = plan.Schema;
        for (var i = 0; i < schema.Outputs.Count; i++)
        {
            var output = schema.Outputs[i];
            plan.Outputs.Add(new OutputPlan(output, i, members.Take(Identifiers.Pascal(output.Name)), markers[output.TypeName]));
        }

        var parameters = new NameScope("node", "nodeTitle", "nodeId");
        var required = new List<ParameterPlan>();
        var optional = new List<ParameterPlan>();
        foreach (var input in schema.Inputs)
        {
            OptionsPlan? options = null;
            if (input.Kind == InputKind.Combo && input.Options.Count > 0)
            {
                options = new OptionsPlan(members.Take(Identifiers.Pascal(input.Name) + "Options"), input.Name);
                var constants = new NameScope(options.ClassName);
                foreach (var value in input.Options.Distinct(StringComparer.Ordinal))
                {
                    options.Constants.Add(new KeyValuePair<string, string>(constants.Take(Identifiers.Pascal(value)), value));
                }

                plan.Options.Add(options);
            }

            var name = parameters.Take(Identifiers.Camel(input.Name));
            var type = ParameterType(input, root, markers);
            var literal = Literals.Default(input);
            if (literal is null && !input.IsRequired)
            {
                literal = "null";
                type += "?";
            }

            (literal is null ? required : optional).Add(new ParameterPlan(input, name, type, literal, options));
        }

        plan.Parameters.AddRange(required);
        plan.Parameters.AddRange(optional);
        if (schema.IsOutputNode)
        {
            PlanResultAccessors(plan, members);
        }
    }

    private static string ParameterType(InputSchema input, string root, Dictionary<string, TypeMarkerPlan> markers) => input.Kind switch
    {
        InputKind.Int => "long",
        InputKind.Float => "double",
        InputKind.Boolean => "bool",
        InputKind.String or InputKind.Combo => "string",
        InputKind.AnyLink => Typed + "Output",
        _ => Typed + "Output<global::" + root + ".Types." + markers[input.TypeName].ClassName + ">",
    };

    /// <summary>What an output node writes, guessed from what it takes: images for IMAGE/MASK inputs, and so on.</summary>
    private static void PlanResultAccessors(NodePlan plan, NameScope members)
    {
        const string Files = "global::System.Collections.Generic.IReadOnlyList<global::ComfyUI.Reactive.Jobs.JobFile>";
        var types = new HashSet<string>(plan.Schema.Inputs.Where(i => i.IsLink).SelectMany(i => i.TypeName.Split(',')).Select(t => t.Trim()));
        if (types.Contains("IMAGE") || types.Contains("MASK"))
        {
            plan.ResultAccessors.Add(new ResultAccessorPlan(members.Take("ImagesIn"), Files, "Images", "images"));
        }

        if (types.Contains("AUDIO"))
        {
            plan.ResultAccessors.Add(new ResultAccessorPlan(members.Take("AudioIn"), Files, "Audio", "audio files"));
        }

        if (types.Contains("VIDEO"))
        {
            plan.ResultAccessors.Add(new ResultAccessorPlan(members.Take("VideosIn"), Files, "Videos", "videos"));
        }

        if (types.Contains("*") || types.Contains("STRING"))
        {
            plan.ResultAccessors.Add(new ResultAccessorPlan(
                members.Take("TextIn"), "global::System.Collections.Generic.IReadOnlyList<string>", "Text", "text"));
        }
    }
}
