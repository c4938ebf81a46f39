namespace ComfyUI.Reactive.Pooling;

/// <summary>One attempt of a pool item that ended without the item's result, as the scheduler decided it.</summary>
/// <param name="ItemId">The item.</param>
/// <param name="Server">Where the attempt ran.</param>
/// <param name="Attempt">The attempt's number (1 for the first); an attempt that only waited on a busy server
/// (<see cref="FailureClassifier.IsBusyWait"/>) is not counted, so the next one has the same number.</param>
/// <param name="Error">Why it ended.</param>
/// <param name="WillRetry">Whether the item goes on (queued again); false when this failure ends it.</param>
/// <param name="PromptId">The attempt's prompt id on its server, when it had one.</param>
internal sealed record AttemptFailure(string ItemId, ServerId Server, int Attempt, Exception Error, bool WillRetry, string? PromptId);
