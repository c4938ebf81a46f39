namespace ComfyUI.Reactive.Events;

/// <summary>The <see cref="ComfyEvent.Type"/> names the SDK decodes into typed events.</summary>
/// <remarks>
/// JSON messages use the server's own names. Binary frames have only a numeric id on the wire
/// (PROTOCOL.md §4); the names given here for them are the SDK's, chosen to read like the JSON ones.
/// </remarks>
public static class ComfyEventTypes
{
    /// <summary><c>status</c>: the queue size changed (and, first on a socket, the session id).</summary>
    public const string Status = "status";

    /// <summary><c>feature_flags</c>: the server's answer to the client's feature-flag negotiation.</summary>
    public const string FeatureFlags = "feature_flags";

    /// <summary><c>execution_start</c>: a worker began a prompt.</summary>
    public const string ExecutionStart = "execution_start";

    /// <summary><c>execution_cached</c>: the nodes whose output was taken from the cache.</summary>
    public const string ExecutionCached = "execution_cached";

    /// <summary><c>executing</c>: a node is about to run, or (node null) the prompt is done.</summary>
    public const string Executing = "executing";

    /// <summary><c>executed</c>: a node produced UI output.</summary>
    public const string Executed = "executed";

    /// <summary><c>progress</c>: a progress-bar tick of a running node.</summary>
    public const string Progress = "progress";

    /// <summary><c>progress_state</c>: the cumulative per-node progress of the running prompt.</summary>
    public const string ProgressState = "progress_state";

    /// <summary><c>execution_success</c>: every node of the prompt finished.</summary>
    public const string ExecutionSuccess = "execution_success";

    /// <summary><c>execution_error</c>: a node raised (or, for <c>ExecutionBlocked</c>, was blocked).</summary>
    public const string ExecutionError = "execution_error";

    /// <summary><c>execution_interrupted</c>: the prompt was interrupted.</summary>
    public const string ExecutionInterrupted = "execution_interrupted";

    /// <summary><c>logs</c>: server log lines, for sockets that subscribed.</summary>
    public const string Logs = "logs";

    /// <summary>Binary type 1: a preview image without ids.</summary>
    public const string PreviewImage = "preview_image";

    /// <summary>Binary type 4: a preview image with prompt and node ids.</summary>
    public const string PreviewImageWithMetadata = "preview_image_with_metadata";

    /// <summary>Binary type 3: progress text of a node.</summary>
    public const string ProgressText = "progress_text";

    /// <summary>A binary frame whose event type the SDK does not know.</summary>
    public const string UnknownBinary = "binary";
}
