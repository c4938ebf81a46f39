using System.Collections.ObjectModel;

namespace ComfyUI.Reactive.Pooling;

/// <summary>
/// No server of the pool can run the workflow: each lacks a node type, a model file or a tag the job needs. Thrown at
/// once, before the job is queued (or when the last capable server leaves the pool). <see cref="Reasons"/> says, per
/// server, what it lacks.
/// </summary>
public class ComfyNoCapableServerException : ComfyException
{
    private static readonly IReadOnlyDictionary<ServerId, string> NoReasons = ReadOnlyDictionary<ServerId, string>.Empty;

    /// <summary>Creates the exception with a generic message.</summary>
    public ComfyNoCapableServerException()
        : this("No server of the pool can run the workflow.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">Why no server can run the workflow.</param>
    public ComfyNoCapableServerException(string message)
        : this(message, (Exception?)null)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    /// <param name="message">Why no server can run the workflow.</param>
    /// <param name="innerException">The cause.</param>
    public ComfyNoCapableServerException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Reasons = NoReasons;
    }

    /// <summary>Creates the exception from each server's reason; the message lists them.</summary>
    /// <param name="reasons">Per server, what it lacks (e.g. <c>missing node types: X</c>).</param>
    public ComfyNoCapableServerException(IReadOnlyDictionary<ServerId, string> reasons)
        : base(Describe(reasons))
    {
        Reasons = reasons is null ? NoReasons : new ReadOnlyDictionary<ServerId, string>(reasons.ToDictionary());
    }

    /// <summary>Per server, why it cannot run the workflow. Empty when the pool has no servers.</summary>
    public IReadOnlyDictionary<ServerId, string> Reasons { get; }

    private static string Describe(IReadOnlyDictionary<ServerId, string>? reasons) =>
        reasons is null || reasons.Count == 0
            ? "No server of the pool can run the workflow: the pool has no servers."
            : "No server of the pool can run the workflow. " +
              string.Join(" ", reasons.OrderBy(r => r.Key.Value, StringComparer.Ordinal).Select(r => $"{r.Key}: {r.Value}."));
}
