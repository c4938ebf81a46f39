using ComfyUI.Reactive.DependencyInjection;
using ComfyUI.Reactive.Pooling;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace ComfyUI.Reactive.Redis.DependencyInjection;

/// <summary>
/// What <c>AddComfyRedisPool</c> builds, bindable from a configuration section:
/// <code>
/// "ComfyRedisPool": {
///   "Redis": { "ConnectionString": "redis.internal:6379,ssl=true", "Password": "..." },
///   "Servers": [ { "Name": "gpu-0", "Url": "http://gpu-0:8188", "Tags": [ "sdxl" ] } ],
///   "KeyPrefix": "comfy", "MaxLeases": 2, "ServerCapacity": 1,
///   "OnStop": "Drain", "DrainTimeout": "00:00:30"
/// }
/// </code>
/// Validated when the host starts; a message names the setting at fault, never a secret. The settings are flat and
/// nullable (null: <see cref="RedisPoolOptions"/>' or <see cref="ComfyPoolOptions"/>' default). Not a record on purpose:
/// <see cref="ToString"/> never prints a secret. <see cref="ComfyPoolSettings.Servers"/> must be the same in every process,
/// under the same names.
/// </summary>
public sealed class RedisPoolHostOptions : ComfyPoolSettings
{
    /// <summary>How to reach Redis. Required.</summary>
    public RedisConnectionOptions Redis { get; set; } = new();

    /// <summary><see cref="RedisPoolOptions.KeyPrefix"/>; null: its default.</summary>
    public string? KeyPrefix { get; set; }

    /// <summary><see cref="RedisPoolOptions.ProcessName"/>; null: host name, process id and a random suffix.</summary>
    public string? ProcessName { get; set; }

    /// <summary><see cref="RedisPoolOptions.DriveServers"/>; null: its default (true).</summary>
    public bool? DriveServers { get; set; }

    /// <summary><see cref="RedisPoolOptions.MaxLeases"/>; null: no limit.</summary>
    public int? MaxLeases { get; set; }

    /// <summary><see cref="RedisPoolOptions.LeaseDuration"/>; null: its default.</summary>
    public TimeSpan? LeaseDuration { get; set; }

    /// <summary><see cref="RedisPoolOptions.LeaseRenewInterval"/>; null: its default.</summary>
    public TimeSpan? LeaseRenewInterval { get; set; }

    /// <summary><see cref="RedisPoolOptions.ClaimIdle"/>; null: its default.</summary>
    public TimeSpan? ClaimIdle { get; set; }

    /// <summary><see cref="RedisPoolOptions.HeartbeatInterval"/>; null: its default.</summary>
    public TimeSpan? HeartbeatInterval { get; set; }

    /// <summary><see cref="RedisPoolOptions.PollInterval"/>; null: its default.</summary>
    public TimeSpan? PollInterval { get; set; }

    /// <summary><see cref="RedisPoolOptions.FollowInterval"/>; null: its default.</summary>
    public TimeSpan? FollowInterval { get; set; }

    /// <summary><see cref="RedisPoolOptions.ReattachTimeout"/>; null: its default.</summary>
    public TimeSpan? ReattachTimeout { get; set; }

    /// <summary><see cref="RedisPoolOptions.MaxDeliveries"/>; null: its default.</summary>
    public int? MaxDeliveries { get; set; }

    /// <summary><see cref="RedisPoolOptions.RetainFor"/>; null: its default.</summary>
    public TimeSpan? RetainFor { get; set; }

    /// <summary>What happens to the jobs this process holds when the host stops. Default
    /// <see cref="RedisPoolStopBehavior.Drain"/>.</summary>
    public RedisPoolStopBehavior OnStop { get; set; } = RedisPoolStopBehavior.Drain;

    /// <summary>The longest a <see cref="RedisPoolStopBehavior.Drain"/> waits before the rest is handed over. Default 30
    /// seconds.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Describes the settings without secrets.</summary>
    /// <returns>The description.</returns>
    public override string ToString() =>
        $"RedisPool({Redis}, servers [{string.Join(", ", Servers)}], prefix {KeyPrefix ?? "comfy"}, on stop {OnStop})";

    /// <summary>The problems of this configuration, naming settings, never values.</summary>
    internal IEnumerable<string> Problems()
    {
        if (Redis is null)
        {
            yield return "Redis: the connection is required";
        }
        else
        {
            foreach (var problem in Redis.Problems())
            {
                yield return $"Redis:{problem}";
            }
        }

        foreach (var problem in ComfyServerOptions.Problems(Servers))
        {
            yield return problem;
        }

        if (DrainTimeout < TimeSpan.Zero)
        {
            yield return "DrainTimeout must not be negative";
        }

        if (Redis?.Problems().Any() == false)
        {
            string? poolProblem = null;
            try
            {
                ToPoolOptions(null, null, null).Validate();
            }
            catch (ArgumentException ex)
            {
                poolProblem = ex.Message;
            }

            if (poolProblem is not null)
            {
                yield return poolProblem;
            }
        }
    }

    /// <summary>A server's name: its <see cref="ComfyServerOptions.Name"/>, or its <c>host:port</c>.</summary>
    internal static string ServerName(ComfyServerOptions server) =>
        string.IsNullOrEmpty(server.Name) ? server.Url!.GetComponents(UriComponents.HostAndPort, UriFormat.UriEscaped) : server.Name;

    /// <summary>The distributed pool's options: these settings over the defaults, with the container's logging and
    /// meters.</summary>
    internal RedisPoolOptions ToPoolOptions(
        ConfigurationOptions? redis, ILoggerFactory? loggers, System.Diagnostics.Metrics.IMeterFactory? meters)
    {
        var defaults = new RedisPoolOptions { Redis = new ConfigurationOptions() };
        return new RedisPoolOptions
        {
            Redis = redis ?? Redis.ToConfigurationOptions(),
            KeyPrefix = KeyPrefix ?? defaults.KeyPrefix,
            ProcessName = ProcessName,
            DriveServers = DriveServers ?? defaults.DriveServers,
            MaxLeases = MaxLeases,
            LeaseDuration = LeaseDuration ?? defaults.LeaseDuration,
            LeaseRenewInterval = LeaseRenewInterval ?? defaults.LeaseRenewInterval,
            ClaimIdle = ClaimIdle ?? defaults.ClaimIdle,
            HeartbeatInterval = HeartbeatInterval ?? defaults.HeartbeatInterval,
            PollInterval = PollInterval ?? defaults.PollInterval,
            FollowInterval = FollowInterval ?? defaults.FollowInterval,
            ReattachTimeout = ReattachTimeout ?? defaults.ReattachTimeout,
            MaxDeliveries = MaxDeliveries ?? defaults.MaxDeliveries,
            RetainFor = RetainFor ?? defaults.RetainFor,
            Logger = loggers?.CreateLogger("ComfyUI.Reactive.Redis.RedisComfyPool"),
            Pool = ToComfyPoolOptions(loggers?.CreateLogger("ComfyUI.Reactive.ComfyPool"), meters),
        };
    }
}
