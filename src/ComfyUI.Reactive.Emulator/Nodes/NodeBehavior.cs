using ComfyUI.Reactive.Emulator.Files;
using ComfyUI.Reactive.Emulator.Sockets;

namespace ComfyUI.Reactive.Emulator.Nodes;

/// <summary>What a node produced: its output slots and, for nodes with UI, the UI dict already serialised as JSON.</summary>
internal sealed record NodeResult(object?[] Outputs, byte[]? UiJson = null)
{
    public static readonly NodeResult Empty = new([]);
}

/// <summary>A node raised: becomes <c>execution_error</c> with this type name and message.</summary>
internal sealed class NodeExecutionException(string exceptionType, string message) : Exception(message)
{
    public string ExceptionType { get; } = exceptionType;
}

/// <summary>The interrupt flag was seen at a node start or a progress tick.</summary>
internal sealed class PromptInterruptedException : Exception
{
}

/// <summary>What a running node can see and do.</summary>
internal sealed class NodeContext
{
    public required string NodeId { get; init; }
    public required string PromptId { get; init; }
    public required IReadOnlyDictionary<string, object?> Inputs { get; init; }
    public required FileStore Files { get; init; }
    public required ComfyEmulatorOptions Options { get; init; }
    public required bool PreviewsEnabled { get; init; }

    /// <summary>The server's progress hook: checks the interrupt flag first, then reports (and previews).</summary>
    public required Func<int, int, PreviewImage?, ValueTask> Progress { get; init; }

    public required CancellationToken Cancellation { get; init; }

    public T Get<T>(string name) => Inputs.TryGetValue(name, out var v) && v is T t
        ? t
        : throw new NodeExecutionException("TypeError", $"missing or mistyped input '{name}'");

    public long GetInt(string name) => Inputs.TryGetValue(name, out var v) ? Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) : 0;

    public double GetFloat(string name) => Inputs.TryGetValue(name, out var v) ? Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture) : 0;

    public PreviewImage CreatePreview(byte[] encoded, bool png) => new(encoded, png, PromptId, NodeId);
}

/// <summary>The behaviour of one node class; its schema comes verbatim from the recorded <c>object_info</c>.</summary>
internal abstract class NodeBehavior
{
    public abstract string ClassType { get; }

    /// <summary>True for nodes whose <c>IS_CHANGED</c> always differs (SaveImageWebsocket), so they are never cached.</summary>
    public virtual bool NeverCached => false;

    /// <summary>Extra cache-key material from <c>IS_CHANGED</c> (e.g. a loaded file's hash).</summary>
    public virtual string? Fingerprint(IReadOnlyDictionary<string, object?> constants, FileStore files) => null;

    /// <summary>The node's own <c>VALIDATE_INPUTS</c>; the inputs it names skip the generic combo/min/max checks.</summary>
    public virtual IReadOnlyList<string> CustomValidatedInputs => [];

    /// <summary>Returns null when valid, otherwise the text appended to <c>custom_validation_failed</c> details.</summary>
    public virtual string? ValidateInputs(IReadOnlyDictionary<string, object?> constants, FileStore files) => null;

    public abstract ValueTask<NodeResult> ExecuteAsync(NodeContext context);
}
