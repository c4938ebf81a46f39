namespace ComfyUI.Reactive.Transport;

/// <summary>
/// Capped, jittered exponential backoff: the n-th consecutive retry (n from 0) waits
/// <c>min(initial · 2ⁿ, max) · (0.5 + 0.5 · r)</c> with <c>r</c> from the injected random source in [0, 1).
/// </summary>
/// <remarks>
/// "Equal jitter": half the delay is fixed so a crowd of clients never retries at once with a zero wait, the other half
/// is random so they spread out after a server restart. The cap applies to the jittered value too, so no delay ever
/// exceeds the configured maximum.
/// </remarks>
internal sealed class ReconnectBackoff
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private readonly Func<double> _random;

    /// <summary>Creates the policy.</summary>
    /// <param name="initial">The delay base of the first retry.</param>
    /// <param name="max">The cap.</param>
    /// <param name="random">Returns a value in [0, 1); values outside are clamped. Tests inject a fixed sequence.</param>
    public ReconnectBackoff(TimeSpan initial, TimeSpan max, Func<double> random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (initial < TimeSpan.Zero || max < initial)
        {
            throw new ArgumentException("Backoff delays must satisfy 0 <= initial <= max.", nameof(max));
        }

        _initial = initial;
        _max = max;
        _random = random;
    }

    /// <summary>The delay before retry number <paramref name="retry"/> (0 for the first retry after a failure or loss).</summary>
    /// <param name="retry">How many retries already happened without a healthy connection in between.</param>
    public TimeSpan Delay(int retry)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(retry);

        // Doubling in ticks, stopping once the cap is reached, avoids overflow for very long outages.
        var ticks = _initial.Ticks;
        for (var i = 0; i < retry && ticks > 0 && ticks < _max.Ticks; i++)
        {
            ticks *= 2;
        }

        ticks = Math.Min(ticks, _max.Ticks);
        var factor = 0.5 + (0.5 * Math.Clamp(_random(), 0.0, 1.0));
        return TimeSpan.FromTicks(Math.Min((long)(ticks * factor), _max.Ticks));
    }
}
