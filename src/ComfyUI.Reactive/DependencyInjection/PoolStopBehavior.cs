namespace ComfyUI.Reactive.DependencyInjection;

/// <summary>What happens to unfinished jobs when the host stops (<see cref="ComfyPoolHostOptions.OnStop"/>).</summary>
public enum PoolStopBehavior
{
    /// <summary>Wait for jobs enqueued by id to finish, up to <see cref="ComfyPoolHostOptions.DrainTimeout"/> (and the
    /// host's own shutdown timeout), then cancel the rest.</summary>
    Drain,

    /// <summary>Cancel every unfinished job at once (removed from the queue, cancelled on its server).</summary>
    Cancel,
}
