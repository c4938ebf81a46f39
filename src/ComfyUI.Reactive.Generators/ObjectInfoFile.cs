using System;

namespace ComfyUI.Reactive.Generators;

/// <summary>
/// One object_info file with the names to generate under: the unit the generator caches on. Equal by value, so an
/// edit elsewhere in the project (or to another file) leaves it equal and the generated code is reused.
/// </summary>
internal sealed class ObjectInfoFile : IEquatable<ObjectInfoFile>
{
    public ObjectInfoFile(string path, string rootNamespace, string graphName, string? content)
    {
        Path = path;
        RootNamespace = rootNamespace;
        GraphName = graphName;
        Content = content;
    }

    public string Path { get; }

    public string RootNamespace { get; }

    public string GraphName { get; }

    /// <summary>The text, or null when the file could not be read.</summary>
    public string? Content { get; }

    public string FileName => System.IO.Path.GetFileName(Path);

    public bool Equals(ObjectInfoFile? other) =>
        other is not null && Path == other.Path && RootNamespace == other.RootNamespace && GraphName == other.GraphName &&
        string.Equals(Content, other.Content, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as ObjectInfoFile);

    public override int GetHashCode()
    {
        unchecked
        {
            var hash = StringComparer.Ordinal.GetHashCode(Path);
            hash = (hash * 31) + StringComparer.Ordinal.GetHashCode(RootNamespace);
            hash = (hash * 31) + StringComparer.Ordinal.GetHashCode(GraphName);
            return (hash * 31) + (Content?.Length ?? -1);
        }
    }
}
