namespace ComfyUI.Reactive.Emulator;

/// <summary>
/// One prompt the emulator's worker ran, with server-side timestamps (<see cref="ComfyEmulator.GetExecutions"/>): what a
/// GPU's busy time would be on a real server. The worker's bookkeeping between two prompts (history, <c>status</c>
/// broadcasts, taking the next prompt from the queue) lies between one execution's <see cref="EndedAt"/> and the next
/// one's <see cref="StartedAt"/>, so the difference is the server's idle gap.
/// </summary>
/// <param name="PromptId">The prompt's id.</param>
/// <param name="StartedAt">When the worker began executing it (just before <c>execution_start</c>), on
/// <see cref="ComfyEmulatorOptions.TimeProvider"/>'s clock.</param>
/// <param name="EndedAt">When its last node finished (or it failed or was interrupted), before history and the final
/// messages.</param>
/// <param name="Succeeded">Whether it ended with <c>execution_success</c>.</param>
public sealed record EmulatorExecution(string PromptId, DateTimeOffset StartedAt, DateTimeOffset EndedAt, bool Succeeded)
{
    /// <summary>How long the execution took (<see cref="EndedAt"/> − <see cref="StartedAt"/>).</summary>
    public TimeSpan Duration => EndedAt - StartedAt;
}
