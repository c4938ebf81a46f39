namespace ComfyUI.Reactive.Pooling;

/// <summary>What a <see cref="HealthMonitor"/> concluded about one server.</summary>
internal enum ServerHealth
{
    /// <summary>Not known yet: the socket has never connected and no probe has failed.</summary>
    Unknown = 0,

    /// <summary>The socket is connected and fewer than the threshold of consecutive probes failed: in rotation.</summary>
    Healthy = 1,

    /// <summary>The socket dropped but HTTP still answers: only a disconnection. Its jobs are kept (they may still
    /// finish); it takes no new ones until the socket is back.</summary>
    Disconnected = 2,

    /// <summary>The socket is connected but the threshold of consecutive probes failed: out of rotation until one
    /// probe succeeds. Its running jobs are left to their own timeouts.</summary>
    Unhealthy = 3,

    /// <summary>The socket is down and HTTP connections to the same server are refused (or the client was closed): the server is gone and its
    /// running prompts died with it. Its in-flight jobs must be re-dispatched now.</summary>
    Dead = 4,
}
