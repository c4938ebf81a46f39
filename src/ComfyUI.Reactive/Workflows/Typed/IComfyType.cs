namespace ComfyUI.Reactive.Workflows.Typed;

/// <summary>
/// A ComfyUI link type (<c>MODEL</c>, <c>LATENT</c>, ...) as a C# type, so <see cref="Output{T}"/> of one type cannot be
/// passed where another is expected. The typed-nodes generator (<c>ComfyUI.Reactive.Generators</c>) emits one marker
/// class per type name of a server's <c>object_info</c>; the markers are never instantiated.
/// </summary>
public interface IComfyType
{
    /// <summary>The ComfyUI type name, e.g. <c>MODEL</c>.</summary>
    static abstract string TypeName { get; }
}
