namespace ComfyUI.Reactive.Sessions;

/// <summary>What a <see cref="ServerLiveness"/> concluded about whether its server's process runs.</summary>
internal enum Liveness
{
    /// <summary>The socket has not connected yet and HTTP has not been refused twice in a row.</summary>
    Unknown = 0,

    /// <summary>The socket is connected.</summary>
    Up = 1,

    /// <summary>The socket is down but the server's HTTP was not refused twice in a row: maybe only a dropped socket, a
    /// restart in progress or an overloaded server. Its prompts may still run.</summary>
    Disconnected = 2,

    /// <summary>The socket is down and two requests in a row were refused (nothing listens on the port): the process is
    /// gone, and ComfyUI keeps no queue across restarts, so every prompt it had accepted died with it.</summary>
    Dead = 3,

    /// <summary>The client was disposed; nothing changes any more.</summary>
    Closed = 4,
}

/// <summary>A liveness verdict and, for <see cref="Liveness.Dead"/>, the refusal that proved it.</summary>
/// <param name="State">The verdict.</param>
/// <param name="Cause">The last refused request when <paramref name="State"/> is <see cref="Liveness.Dead"/>, else null.</param>
internal sealed record LivenessVerdict(Liveness State, Exception? Cause = null)
{
    public static readonly LivenessVerdict Unknown = new(Liveness.Unknown);
    public static readonly LivenessVerdict Up = new(Liveness.Up);
    public static readonly LivenessVerdict Disconnected = new(Liveness.Disconnected);
    public static readonly LivenessVerdict Closed = new(Liveness.Closed);
}

/// <summary>A <c>GET /queue</c> answer from a liveness poll, and the session stamp taken just before it was asked: only
/// what was stamped earlier (e.g. a job's acceptance) can be judged by it.</summary>
/// <param name="Queue">The answer.</param>
/// <param name="Stamp">The <see cref="ServerSession.Stamp"/> taken before the request left.</param>
internal sealed record QueueSnapshot(Models.QueueState Queue, long Stamp);
