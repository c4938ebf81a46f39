namespace ComfyUI.Reactive.DependencyInjection;

/// <summary>The names registered in one service collection: lets a repeated <c>AddComfyUI</c> for a name add configuration
/// without registering a second client, and lets <see cref="IComfyClientFactory"/> tell an unknown name apart.</summary>
internal sealed class ComfyClientRegistry
{
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>The registered names (registration happens before the container is built, so no lock is needed).</summary>
    public IReadOnlyCollection<string> Names => _names;

    /// <summary>Adds a name; false when it was already registered.</summary>
    public bool Add(string name) => _names.Add(name);

    public bool Contains(string name) => _names.Contains(name);
}
