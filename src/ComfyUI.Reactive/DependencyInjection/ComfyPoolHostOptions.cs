using ComfyUI.Reactive.Pooling;

namespace ComfyUI.Reactive.DependencyInjection;

/// <summary>
/// What <c>AddComfyPool</c> builds, bindable from a configuration section:
/// <code>
/// "ComfyPool": {
///   "Servers": [ { "Name": "gpu-1", "Url": "http://gpu-1:8188", "Tags": [ "sdxl" ], "Credentials": { "BearerToken": "..." } } ],
///   "ServerCapacity": 2, "MaxAttempts": 3, "RetainFinishedJobsFor": "00:10:00",
///   "OnStop": "Drain", "DrainTimeout": "00:00:30"
/// }
/// </code>
/// Validated when the host starts; a message names the setting at fault, never a secret. The pool settings are flat and
/// nullable (null: <see cref="ComfyPoolOptions"/>'s default) so that they bind from configuration, AOT-safely, with the
/// source-generated binder.
/// </summary>
public sealed class ComfyPoolHostOptions : ComfyPoolSettings
{
    /// <summary><see cref="Registry.JobRegistryOptions.RetainFor"/>; null: its default.</summary>
    public TimeSpan? RetainFinishedJobsFor { get; set; }

    /// <summary><see cref="Registry.JobRegistryOptions.MaxRetained"/>; null: its default.</summary>
    public int? MaxFinishedJobs { get; set; }

    /// <summary><see cref="Registry.JobRegistryOptions.SampleInterval"/>; null: its default.</summary>
    public TimeSpan? JobSampleInterval { get; set; }

    /// <summary>What happens to unfinished jobs when the host stops. Default <see cref="PoolStopBehavior.Drain"/>.</summary>
    public PoolStopBehavior OnStop { get; set; } = PoolStopBehavior.Drain;

    /// <summary>The longest a <see cref="PoolStopBehavior.Drain"/> waits. Default 30 seconds.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The problems of this configuration, naming settings, never values.</summary>
    internal IEnumerable<string> Problems()
    {
        foreach (var problem in ComfyServerOptions.Problems(Servers))
        {
            yield return problem;
        }

        if (DrainTimeout < TimeSpan.Zero)
        {
            yield return "DrainTimeout must not be negative";
        }

        string? poolProblem = null;
        try
        {
            ToPoolOptions(null, null).Validate();
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

    /// <summary>The pool's options: these settings over the defaults, with the container's logger and meter factory.</summary>
    internal ComfyPoolOptions ToPoolOptions(Microsoft.Extensions.Logging.ILogger? logger, System.Diagnostics.Metrics.IMeterFactory? meters)
    {
        var registry = new Registry.JobRegistryOptions();
        return ToComfyPoolOptions(logger, meters, new Registry.JobRegistryOptions
        {
            RetainFor = RetainFinishedJobsFor ?? registry.RetainFor,
            MaxRetained = MaxFinishedJobs ?? registry.MaxRetained,
            SampleInterval = JobSampleInterval ?? registry.SampleInterval,
        });
    }
}
