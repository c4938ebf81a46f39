namespace ComfyUI.Reactive.Registry;

/// <summary>How jobs enqueued by id are kept and reported (<see cref="Pooling.ComfyPoolOptions.Registry"/>,
/// <see cref="ComfyClientOptions.Registry"/>). Times run on the owner's scheduler.</summary>
public sealed class JobRegistryOptions
{
    /// <summary>How long a finished job stays findable by id (<c>Observe</c>, <c>GetAsync</c>). Default 10 minutes.</summary>
    public TimeSpan RetainFor { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The most finished jobs kept; beyond it the oldest finished job is forgotten first. Jobs that have not
    /// finished are never forgotten. Default 1000.</summary>
    public int MaxRetained { get; init; } = 1000;

    /// <summary>The least time between two <see cref="JobEventKind.Progress"/> (and two <see cref="JobEventKind.Preview"/>)
    /// events of one job in the job stream; the latest wins. Zero: every one. Default 250 ms. Observers of one job
    /// (<c>Observe</c>) get every update regardless.</summary>
    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Throws <see cref="ArgumentException"/> when a value is out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(RetainFor, TimeSpan.Zero, nameof(RetainFor));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRetained, nameof(MaxRetained));
        ArgumentOutOfRangeException.ThrowIfLessThan(SampleInterval, TimeSpan.Zero, nameof(SampleInterval));
    }
}
