using ComfyUI.Reactive.Pooling;

namespace ComfyUI.Reactive.Tests.Pooling;

public sealed class ServerStatusBoardTests
{
    private static readonly ServerId A = new("a");
    private static readonly ServerId B = new("b");

    [Fact]
    public void Statuses_LateSubscriber_GetsLatestPerServerThenChanges()
    {
        using var board = new ServerStatusBoard();
        board.Publish(new ServerStatus(A, ServerState.Connecting, 0, 2), 1);
        board.Publish(new ServerStatus(B, ServerState.Ready, 0, 2), 2);
        board.Publish(new ServerStatus(A, ServerState.Busy, 1, 2), 3);
        var seen = new List<ServerStatus>();

        using var _ = board.Statuses.Subscribe(seen.Add);
        board.Publish(new ServerStatus(B, ServerState.Removed, 0, 2), 4);

        Assert.Equal(
            [new ServerStatus(A, ServerState.Busy, 1, 2), new ServerStatus(B, ServerState.Ready, 0, 2), new ServerStatus(B, ServerState.Removed, 0, 2)],
            seen);
    }

    [Fact]
    public void Publish_StaleVersion_Dropped()
    {
        using var board = new ServerStatusBoard();
        var seen = new List<ServerStatus>();
        using var _ = board.Statuses.Subscribe(seen.Add);

        Assert.True(board.Publish(new ServerStatus(A, ServerState.Busy, 2, 2), 5));
        Assert.False(board.Publish(new ServerStatus(A, ServerState.Busy, 1, 2), 4));

        Assert.Equal([new ServerStatus(A, ServerState.Busy, 2, 2)], seen);
        Assert.Equal([new ServerStatus(A, ServerState.Busy, 2, 2)], board.Snapshot());
    }

    [Fact]
    public void Publish_Unchanged_NotRepeated()
    {
        using var board = new ServerStatusBoard();
        var seen = new List<ServerStatus>();
        using var _ = board.Statuses.Subscribe(seen.Add);

        board.Publish(new ServerStatus(A, ServerState.Ready, 0, 2), 1);
        board.Publish(new ServerStatus(A, ServerState.Ready, 0, 2), 2);

        Assert.Single(seen);
    }

    [Fact]
    public void Dispose_CompletesSubscribersAndLateOnesAfterReplay()
    {
        var board = new ServerStatusBoard();
        board.Publish(new ServerStatus(A, ServerState.Ready, 0, 2), 1);
        var completed = false;
        board.Statuses.Subscribe(_ => { }, () => completed = true);

        board.Dispose();
        var late = new List<ServerStatus>();
        var lateCompleted = false;
        board.Statuses.Subscribe(late.Add, () => lateCompleted = true);

        Assert.True(completed);
        Assert.True(lateCompleted);
        Assert.Single(late);
    }
}
