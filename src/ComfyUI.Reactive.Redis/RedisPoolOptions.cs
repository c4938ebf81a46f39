using System.Reactive.Concurrency;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Pooling;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ComfyUI.Reactive.Redis;

/// <summary>How a <see cref="RedisComfyPool"/> reaches Redis, names its keys, leases servers and reclaims work. Every
/// time-based setting runs on <see cref="Scheduler"/>. See <c>docs/distributed.md</c>.</summary>
public sealed class RedisPoolOptions
{
    /// <summary>How to reach Redis: endpoints, password or user, TLS (<c>Ssl</c>, certificate callbacks). Never logged or
    /// put in an exception message with its password. Required.</summary>
    public required ConfigurationOptions Redis { get; init; }

    /// <summary>The prefix of every key, so several deployments can share one Redis. Default <c>comfy</c>.</summary>
    public string KeyPrefix { get; init; } = "comfy";

    /// <summary>This process's name among the workers (its consumer name and lease value); must be unique among the
    /// processes alive at the same time. Null: host name, process id and a random suffix.</summary>
    public string? ProcessName { get; init; }

    /// <summary>Whether this process drives servers (takes leases and runs jobs). False for a process that only enqueues
    /// and observes (a web front end): it still needs the servers (<see cref="RedisComfyPool.AddServer"/>) to download
    /// outputs. Default true.</summary>
    public bool DriveServers { get; init; } = true;

    /// <summary>The most servers this process leases at once, so that processes started later get a share of the
    /// servers to drive; null: no limit (the first process may drive them all, the others then only enqueue and
    /// observe until it leaves). Default null.</summary>
    public int? MaxLeases { get; init; }

    /// <summary>The local pool's settings (capacity per server, health checks, attempts). Its <c>Queue</c> must be null:
    /// the local queue only holds what this process took from Redis.</summary>
    public ComfyPoolOptions Pool { get; init; } = new();

    /// <summary>The per-attempt job options used for every job this process runs (they cannot travel with a job: they
    /// may hold streams and callbacks). Default: <see cref="JobOptions"/>' defaults.</summary>
    public JobOptions Job { get; init; } = new();

    /// <summary>How long a server lease lasts without renewal: after a holder dies, another process drives the server
    /// at most this long later. Default 15 seconds.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How often held leases are renewed and free ones tried. Default 5 seconds (a third of the duration).</summary>
    public TimeSpan LeaseRenewInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a taken job may go without its holder's heartbeat before another process reclaims it
    /// (<c>XAUTOCLAIM</c>). Default 30 seconds.</summary>
    public TimeSpan ClaimIdle { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a holder refreshes the jobs it holds (so they never look idle while it lives) and looks for
    /// jobs to reclaim. Default 10 seconds; must be shorter than <see cref="ClaimIdle"/>.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the queue is read when no notification arrived (notifications are best effort). Default 250 ms.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How often a job record is re-read for <see cref="RedisComfyPool.Observe"/> when no notification arrived,
    /// and how often a re-attached prompt is looked up on its server. Default 500 ms.</summary>
    public TimeSpan FollowInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a re-attach keeps trying to reach the server of the job's last attempt before running the job
    /// again (which may then run twice). Default 2 minutes.</summary>
    public TimeSpan ReattachTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How many times a job may be taken (delivered) before it is dead-lettered as poison: a job that kills or
    /// stalls every process that takes it. Default 5.</summary>
    public int MaxDeliveries { get; init; } = 5;

    /// <summary>How long a finished job's record and updates stay in Redis. Default 1 day.</summary>
    public TimeSpan RetainFor { get; init; } = TimeSpan.FromDays(1);

    /// <summary>The clock of leases, heartbeats, polling and re-attach. Default <see cref="DefaultScheduler.Instance"/>.</summary>
    public IScheduler Scheduler { get; init; } = DefaultScheduler.Instance;

    /// <summary>Where the distributed pool logs; null: nothing is logged.</summary>
    public ILogger? Logger { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> when a value is out of range.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Redis, nameof(Redis));
        ArgumentException.ThrowIfNullOrEmpty(KeyPrefix, nameof(KeyPrefix));
        ArgumentNullException.ThrowIfNull(Pool, nameof(Pool));
        ArgumentNullException.ThrowIfNull(Job, nameof(Job));
        ArgumentNullException.ThrowIfNull(Scheduler, nameof(Scheduler));
        Pool.Validate();
        Job.Validate();
        if (Pool.Queue is not null)
        {
            throw new ArgumentException("Pool.Queue must be null: the queue is Redis.", nameof(Pool));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(LeaseDuration, TimeSpan.Zero, nameof(LeaseDuration));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(LeaseRenewInterval, TimeSpan.Zero, nameof(LeaseRenewInterval));
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(LeaseRenewInterval, LeaseDuration, nameof(LeaseRenewInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ClaimIdle, TimeSpan.Zero, nameof(ClaimIdle));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HeartbeatInterval, TimeSpan.Zero, nameof(HeartbeatInterval));
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(HeartbeatInterval, ClaimIdle, nameof(HeartbeatInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PollInterval, TimeSpan.Zero, nameof(PollInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(FollowInterval, TimeSpan.Zero, nameof(FollowInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(ReattachTimeout, TimeSpan.Zero, nameof(ReattachTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDeliveries, 1, nameof(MaxDeliveries));
        if (MaxLeases is { } maxLeases)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(maxLeases, 1, nameof(MaxLeases));
        }
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RetainFor, TimeSpan.Zero, nameof(RetainFor));
    }
}
