using System.Text.Json;

namespace ComfyUI.Reactive.Events;

/// <summary>
/// <c>execution_error</c>: a node raised. Terminal unless <see cref="ExceptionType"/> is <c>ExecutionBlocked</c>
/// (see <see cref="IsTerminal"/>); the prompt's final <c>executing</c> (node null) still follows.
/// </summary>
/// <param name="PromptId">The prompt.</param>
/// <param name="NodeId">The submitted node id that failed (for <c>ExecutionBlocked</c> possibly an expansion id).</param>
/// <param name="NodeType">The failing node's <c>class_type</c>.</param>
/// <param name="Executed">The node ids completed so far in this run.</param>
/// <param name="ExceptionMessage">The exception text; empty when the server sent none.</param>
/// <param name="ExceptionType">The qualified exception type, e.g. <c>RuntimeError</c>; empty when the server sent none.</param>
/// <param name="Traceback">The formatted Python stack frames.</param>
/// <param name="CurrentInputs">
/// The failing node's inputs (name to array of values, non-primitives stringified). Raw JSON because the server
/// sends an empty array instead of an object for the cycle and blocked cases.
/// </param>
/// <param name="CurrentOutputs">The node ids that had cached outputs when the run started.</param>
/// <param name="Timestamp">Server time in epoch milliseconds; null for <c>ExecutionBlocked</c> and old servers.</param>
public sealed record ExecutionErrorEvent(
    string? PromptId,
    string? NodeId,
    string? NodeType,
    IReadOnlyList<string> Executed,
    string ExceptionMessage,
    string ExceptionType,
    IReadOnlyList<string> Traceback,
    JsonElement CurrentInputs,
    IReadOnlyList<string> CurrentOutputs,
    long? Timestamp)
    : ComfyEvent(ComfyEventTypes.ExecutionError, PromptId)
{
    /// <summary>The <see cref="ExceptionType"/> of a node that was blocked; execution continues after it.</summary>
    public const string ExecutionBlocked = "ExecutionBlocked";

    /// <summary>
    /// False for <c>ExecutionBlocked</c>, which the server sends while the prompt keeps running (it may still end
    /// in <c>execution_success</c>); true for every real failure.
    /// </summary>
    public bool IsTerminal => ExceptionType != ExecutionBlocked;
}
