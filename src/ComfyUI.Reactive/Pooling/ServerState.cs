namespace ComfyUI.Reactive.Pooling;

/// <summary>The state of one server of a pool, as <c>pool.Servers</c> reports it.</summary>
public enum ServerState
{
    /// <summary>Not in rotation yet: the socket is (re)connecting or the server's capabilities are not known yet.</summary>
    Connecting = 0,

    /// <summary>In rotation and idle: no job in flight.</summary>
    Ready = 1,

    /// <summary>In rotation with at least one job in flight (it may still take more up to its capacity).</summary>
    Busy = 2,

    /// <summary>Out of rotation: health probes fail, or the server is gone (its in-flight jobs were re-dispatched).</summary>
    Unhealthy = 3,

    /// <summary>Removed from the pool; the server's last status.</summary>
    Removed = 4,
}
