using System.Reflection;

namespace ComfyUI.Reactive.Tests.Architecture;

/// <summary>
/// Most of what a short-lived process pays for the SDK is the JIT ("Whole-process cost" in docs/benchmarks.md). A
/// collection, dictionary or Rx subject instantiated over a struct of this SDK gets its own compiled copy of all its
/// code, which neither the framework's precompiled images nor the package's ReadyToRun code can supply; over a class it
/// shares code that is precompiled already. The job state's per-node maps and the pool's server keys once were such
/// structs (about 950 of the 9,655 JIT compilations of a 1,000-job process). No field or property may bring one back.
/// </summary>
public sealed class SharedGenericCodeTests
{
    private const BindingFlags Everything = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    [Fact]
    public void Fields_AndProperties_HoldNoGenericTypeOverAStructOfTheSdk()
    {
        var sdk = typeof(ComfyClient).Assembly;
        var offenders = new List<string>();
        foreach (var type in sdk.GetTypes())
        {
            var members = type.GetFields(Everything).Select(f => (f.Name, Type: f.FieldType))
                .Concat(type.GetProperties(Everything).Select(p => (p.Name, Type: p.PropertyType)));
            foreach (var (name, memberType) in members)
            {
                if (StructArguments(memberType, sdk).FirstOrDefault() is { } argument)
                {
                    offenders.Add($"{type.FullName}.{name}: {memberType.Name} over {argument.Name}");
                }
            }
        }

        Assert.True(offenders.Count == 0, "generic types over the SDK's own structs:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void Fields_AndProperties_OnThePerJobPath_HoldNoGenericTypeOverATuple()
    {
        // A tuple is a struct too: a dictionary keyed by (string, string) or a list of (string, long) compiles its own copy
        // just the same. The per-job path (jobs, pool, events, transport, sessions) uses classes or nested maps instead.
        var sdk = typeof(ComfyClient).Assembly;
        var offenders = new List<string>();
        // Compiler-generated types (async state machines, closures) are left out, as in the rule above.
        var perJob = sdk.GetTypes().Where(t =>
            !t.FullName!.Contains('<', StringComparison.Ordinal) && PerJobNamespaces.Any(n => t.Namespace?.StartsWith(n, StringComparison.Ordinal) == true));
        foreach (var type in perJob)
        {
            var members = type.GetFields(Everything).Select(f => (f.Name, Type: f.FieldType))
                .Concat(type.GetProperties(Everything).Select(p => (p.Name, Type: p.PropertyType)));
            foreach (var (name, memberType) in members)
            {
                if (TupleArguments(memberType).FirstOrDefault() is { } argument)
                {
                    offenders.Add($"{type.FullName}.{name}: {memberType.Name} over {argument}");
                }
            }
        }

        Assert.True(offenders.Count == 0, "generic types over tuples on the per-job path:\n" + string.Join('\n', offenders));
    }

    [Fact]
    public void TheTupleRule_FindsATupleArgument()
    {
        Assert.NotEmpty(TupleArguments(typeof(Dictionary<(string, string), int>)));
        Assert.NotEmpty(TupleArguments(typeof(LinkedList<(string, List<int>)>)));
        Assert.Empty(TupleArguments(typeof(Dictionary<string, Dictionary<string, int>>)));
        Assert.Empty(TupleArguments(typeof(Func<(string, int), bool>)));
    }

    [Fact]
    public void TheRule_FindsAStructArgument()
    {
        Assert.NotEmpty(StructArguments(typeof(Dictionary<string, Sample>), typeof(SharedGenericCodeTests).Assembly));
        Assert.NotEmpty(StructArguments(typeof(IObservable<List<Sample>>), typeof(SharedGenericCodeTests).Assembly));
        Assert.Empty(StructArguments(typeof(Dictionary<string, TimeSpan>), typeof(SharedGenericCodeTests).Assembly));
        Assert.Empty(StructArguments(typeof(Func<Sample, bool>), typeof(SharedGenericCodeTests).Assembly));
    }

    /// <summary>The SDK's structs among the generic arguments, at any depth. Not counted: delegates (their code is the
    /// runtime's own stub, nothing to compile), <c>Nullable&lt;T&gt;</c> alone, and generated types (state machines,
    /// closures, logging message structs).</summary>
    private static IEnumerable<Type> StructArguments(Type type, Assembly sdk)
    {
        if (typeof(Delegate).IsAssignableFrom(type))
        {
            return [];
        }

        if (!type.IsGenericType)
        {
            return type.IsArray ? StructArguments(type.GetElementType()!, sdk) : [];
        }

        var arguments = type.GetGenericArguments();
        var own = type.GetGenericTypeDefinition() == typeof(Nullable<>)
            ? []
            : arguments.Where(a => a.IsValueType && !a.IsEnum && a.Assembly == sdk && !a.Name.Contains('<', StringComparison.Ordinal) && !a.Name.StartsWith("__", StringComparison.Ordinal));
        return own.Concat(arguments.SelectMany(a => StructArguments(a, sdk)));
    }

    private static readonly string[] PerJobNamespaces =
        ["ComfyUI.Reactive.Jobs", "ComfyUI.Reactive.Pooling", "ComfyUI.Reactive.Events", "ComfyUI.Reactive.Transport", "ComfyUI.Reactive.Sessions"];

    /// <summary>Value tuples among the generic arguments, at any depth (delegates not counted, as above).</summary>
    private static IEnumerable<string> TupleArguments(Type type)
    {
        if (typeof(Delegate).IsAssignableFrom(type))
        {
            return [];
        }

        if (!type.IsGenericType)
        {
            return type.IsArray ? TupleArguments(type.GetElementType()!) : [];
        }

        return type.GetGenericArguments().SelectMany(a =>
            a.IsGenericType && a.FullName?.StartsWith("System.ValueTuple`", StringComparison.Ordinal) == true
                ? [a.ToString()]
                : TupleArguments(a));
    }

    private readonly record struct Sample(int Value);
}
