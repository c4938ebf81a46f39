namespace ComfyUI.Reactive.Redis.Tests.Infrastructure;

/// <summary>Awaits a condition of an outside system (Redis, a server) that offers no notification for it: asked again
/// every 50 ms, bounded; returns false when the bound passes.</summary>
public static class Eventually
{
    public static async Task<bool> TrueAsync(Func<Task<bool>> condition, TimeSpan bound)
    {
        using var timeout = new CancellationTokenSource(bound);
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        do
        {
            if (await condition())
            {
                return true;
            }
        }
        while (await WaitTickAsync(tick, timeout.Token));

        return false;
    }

    private static async Task<bool> WaitTickAsync(PeriodicTimer tick, CancellationToken token)
    {
        try
        {
            return await tick.WaitForNextTickAsync(token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
