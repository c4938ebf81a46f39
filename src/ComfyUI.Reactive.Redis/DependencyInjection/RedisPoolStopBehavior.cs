namespace ComfyUI.Reactive.Redis.DependencyInjection;

/// <summary>What happens to the jobs a process holds when its host stops (<see cref="RedisPoolHostOptions.OnStop"/>).
/// Neither cancels a job: they are durable, and another process (or this one restarted) takes them over.</summary>
public enum RedisPoolStopBehavior
{
    /// <summary>Stop taking jobs and let the held ones finish here, up to <see cref="RedisPoolHostOptions.DrainTimeout"/>
    /// (and the host's own shutdown timeout); what is left is then handed over.</summary>
    Drain,

    /// <summary>Hand the held jobs over at once: leases are released, the prompts keep running on their servers and
    /// another process re-attaches to them after <see cref="RedisPoolOptions.ClaimIdle"/>.</summary>
    HandOver,
}
