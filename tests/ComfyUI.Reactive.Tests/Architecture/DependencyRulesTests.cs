using System.Reflection;

namespace ComfyUI.Reactive.Tests.Architecture;

/// <summary>
/// DESIGN.md §2: dependencies point one way. Jobs and the server session know nothing of the pool; the session knows
/// nothing of jobs either. Checked on the compiled signatures and on the source text (method bodies included).
/// </summary>
public sealed class DependencyRulesTests
{
    private static readonly Assembly Sdk = typeof(ComfyClient).Assembly;

    [Theory]
    [InlineData("ComfyUI.Reactive.Jobs", "ComfyUI.Reactive.Pooling")]
    [InlineData("ComfyUI.Reactive.Sessions", "ComfyUI.Reactive.Pooling")]
    [InlineData("ComfyUI.Reactive.Sessions", "ComfyUI.Reactive.Jobs")]
    public void Signatures_OfANamespace_NeverNameTheForbiddenOne(string from, string forbidden)
    {
        var offenders = Sdk.GetTypes()
            .Where(t => t.Namespace == from)
            .SelectMany(t => Referenced(t).Where(r => r.Namespace == forbidden).Select(r => $"{t.Name} -> {r.Name}"))
            .Distinct()
            .ToList();

        Assert.Empty(offenders);
    }

    [Theory]
    [InlineData("Jobs", "Pooling")]
    [InlineData("Sessions", "Pooling")]
    [InlineData("Sessions", "Jobs")]
    public void Sources_OfAFolder_NeverUseTheForbiddenNamespace(string folder, string forbidden)
    {
        var offenders = Directory.GetFiles(Path.Combine(RepoRoot(), "src", "ComfyUI.Reactive", folder), "*.cs")
            .Where(f => File.ReadAllLines(f).Any(l => !l.TrimStart().StartsWith("//", StringComparison.Ordinal) &&
                (l.Contains($"ComfyUI.Reactive.{forbidden}", StringComparison.Ordinal) || l.Contains($" {forbidden}.", StringComparison.Ordinal))))
            .Select(Path.GetFileName)
            .ToList();

        Assert.Empty(offenders);
    }

    private static IEnumerable<Type> Referenced(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var types = new List<Type?> { type.BaseType };
        types.AddRange(type.GetInterfaces());
        types.AddRange(type.GetFields(all).Select(f => f.FieldType));
        types.AddRange(type.GetProperties(all).Select(p => p.PropertyType));
        foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            types.AddRange(method.GetParameters().Select(p => p.ParameterType));
            if (method is MethodInfo info)
            {
                types.Add(info.ReturnType);
            }
        }

        return types.OfType<Type>().SelectMany(Unwrap);

        static IEnumerable<Type> Unwrap(Type t)
        {
            if (t.HasElementType)
            {
                return Unwrap(t.GetElementType()!);
            }

            return t.IsGenericType ? t.GetGenericArguments().SelectMany(Unwrap).Append(t) : [t];
        }
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ComfyUI.Reactive.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("ComfyUI.Reactive.sln not found above " + AppContext.BaseDirectory);
    }
}
