using ComfyUI.Reactive.Redis.Records;

namespace ComfyUI.Reactive.Redis.Tests.Records;

/// <summary>What a late observer is replayed: the latest state, as in one process.</summary>
public sealed class UpdateReplayTests
{
    private static StoredUpdate U(string kind, string prompt = "p1", double? fraction = null) => new() { Kind = kind, PromptId = prompt, Fraction = fraction };

    [Fact]
    public void Compact_ProgressAndOutputs_LatestProgressEveryOutputAndTheEnd()
    {
        var replay = UpdateReplay.Compact(
        [
            U(StoredUpdate.Queued), U(StoredUpdate.Started), U(StoredUpdate.Progress, fraction: 0.1), U(StoredUpdate.NodeOutput),
            U(StoredUpdate.Progress, fraction: 0.9), U(StoredUpdate.NodeOutput), U(StoredUpdate.Completed),
        ]);

        Assert.Equal(
            [StoredUpdate.Queued, StoredUpdate.Started, StoredUpdate.NodeOutput, StoredUpdate.Progress, StoredUpdate.NodeOutput, StoredUpdate.Completed],
            replay.Select(u => u.Kind));
        Assert.Equal(0.9, replay.Single(u => u.Kind == StoredUpdate.Progress).Fraction);
    }

    [Fact]
    public void Compact_SecondAttempt_KeepsWhyTheFirstFailedAndOnlyTheSecondsState()
    {
        var replay = UpdateReplay.Compact(
        [
            U(StoredUpdate.Queued), U(StoredUpdate.Started), U(StoredUpdate.Progress, fraction: 0.5), U(StoredUpdate.AttemptFailed),
            U(StoredUpdate.Queued, "p2"), U(StoredUpdate.Started, "p2"),
        ]);

        Assert.Equal([StoredUpdate.AttemptFailed, StoredUpdate.Queued, StoredUpdate.Started], replay.Select(u => u.Kind));
        Assert.Equal("p2", replay[^1].PromptId);
    }
}
