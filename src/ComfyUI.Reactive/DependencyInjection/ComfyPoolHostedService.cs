using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ComfyUI.Reactive.DependencyInjection;

/// <summary>
/// Starts the pool with the host (so the first request does not pay for connecting and reading capabilities) and, when
/// the host stops, drains or cancels its unfinished jobs as <see cref="ComfyPoolHostOptions.OnStop"/> says. The pool and
/// its clients are disposed by the container after that.
/// </summary>
internal sealed partial class ComfyPoolHostedService(ComfyPoolHost host, ILogger<ComfyPoolHostedService> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Resolving the host created the pool and added the servers; their sockets connect in the background.
        Started(logger, host.Options.Servers.Count);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        var pool = host.Pool;
        if (host.Options.OnStop == PoolStopBehavior.Drain && pool.UnfinishedJobs > 0)
        {
            Draining(logger, pool.UnfinishedJobs, host.Options.DrainTimeout);
            using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bound.CancelAfter(host.Options.DrainTimeout);
            try
            {
                await pool.WhenJobsFinishedAsync(bound.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Out of time: what is left is cancelled below.
            }
        }

        if (pool.UnfinishedJobs > 0)
        {
            Cancelling(logger, pool.UnfinishedJobs);
            pool.CancelJobs("The host is stopping.");
        }
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "ComfyUI pool started with {Servers} servers")]
    private static partial void Started(ILogger logger, int servers);

    [LoggerMessage(EventId = 701, Level = LogLevel.Information, Message = "Draining {Jobs} unfinished ComfyUI jobs (at most {Timeout})")]
    private static partial void Draining(ILogger logger, int jobs, TimeSpan timeout);

    [LoggerMessage(EventId = 702, Level = LogLevel.Warning, Message = "Cancelling {Jobs} unfinished ComfyUI jobs as the host stops")]
    private static partial void Cancelling(ILogger logger, int jobs);
}
