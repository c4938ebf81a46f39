using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Redis.Reattach;
using ComfyUI.Reactive.Redis.Records;

namespace ComfyUI.Reactive.Redis;

/// <summary>Re-attach: a job taken over from a process that died is looked up on the server of its last attempt before
/// it may run again — finished: its result is collected; queued or running: it is followed; absent or interrupted: it
/// runs again. So a prompt the dead process started is never run a second time.</summary>
public sealed partial class RedisComfyPool
{
    /// <summary>True when the job ended from the server's record of its prompt; false when it must run (again).</summary>
    private async Task<bool> ReattachAsync(HeldJob held, string serverName, string promptId)
    {
        if (!_servers.TryGetValue(serverName, out var server))
        {
            RedisLog.Reattached(_logger, held.Id, promptId, serverName, "server unknown to this process, running again");
            return false;
        }

        var deadline = _options.Scheduler.Now + _options.ReattachTimeout;
        var followed = false;
        while (!Stopping && !held.Ended)
        {
            PromptWhereabouts where;
            try
            {
                where = await PromptLocator.LocateAsync(server.Client.Api, promptId, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (Stopping)
            {
                return true;
            }
#pragma warning disable CA1031 // The server may be down or restarting: ask again until the re-attach timeout.
            catch (Exception)
#pragma warning restore CA1031
            {
                if (_options.Scheduler.Now >= deadline)
                {
                    RedisLog.ReattachTimedOut(_logger, held.Id, serverName, promptId);
                    return false;
                }

                await WaitAsync(_options.FollowInterval).ConfigureAwait(false);
                continue;
            }

            switch (where.Place)
            {
                case PromptPlace.InQueue:
                    if (!followed)
                    {
                        followed = true;
                        RedisLog.Reattached(_logger, held.Id, promptId, serverName, "following it in the server's queue");
                        await RetryAsync(() => _store.AppendAsync(held.Id, new StoredUpdate
                        {
                            Kind = StoredUpdate.Queued, PromptId = promptId, Server = serverName,
                        }), "job update", keep: false).ConfigureAwait(false);
                    }

                    // Its frames go to the dead process's socket: the server's queue and history are the truth to poll.
                    await WaitAsync(_options.FollowInterval).ConfigureAwait(false);
                    continue;
                case PromptPlace.Succeeded:
                    RedisLog.Reattached(_logger, held.Id, promptId, serverName, "finished, result collected");
                    var result = Collect(held, server, promptId, where.Entry!);
                    await EndAsync(held, new StoredUpdate
                    {
                        Kind = StoredUpdate.Completed, PromptId = promptId, Server = serverName, Result = UpdateCodec.Encode(result),
                    }).ConfigureAwait(false);
                    return true;
                case PromptPlace.Failed when held.Job.RetryWorkflowFailures:
                    RedisLog.Reattached(_logger, held.Id, promptId, serverName, "failed on the server, running again (workflow failures are retried)");
                    return false;
                case PromptPlace.Failed:
                    RedisLog.Reattached(_logger, held.Id, promptId, serverName, "failed on the server");
                    await EndAsync(held, new StoredUpdate
                    {
                        Kind = StoredUpdate.Failed, PromptId = promptId, Server = serverName,
                        ErrorType = typeof(ComfyExecutionException).FullName, Error = ErrorMessage(where.Entry!),
                    }).ConfigureAwait(false);
                    return true;
                default:
                    RedisLog.Reattached(_logger, held.Id, promptId, serverName, where.Place == PromptPlace.Absent ? "absent, running again" : "interrupted, running again");
                    return false;
            }
        }

        return true;
    }

    /// <summary>The result from the server's history entry, as the job would have produced it (minus websocket images).</summary>
    private JobResult Collect(HeldJob held, ServerEntry server, string promptId, HistoryEntry entry)
    {
        var graph = JsonNode.Parse(held.Job.Workflow) as JsonObject;
        var outputs = entry.Outputs.Select(o => JobOutput.Restore(
            server.Client.Api, o.Key, graph?[o.Key]?["class_type"]?.GetValue<string>(), o.Value));
        var started = Stamp(entry, "execution_start");
        var completed = Stamp(entry, "execution_success") ?? _options.Scheduler.Now;
        return JobResult.Restore(
            promptId, outputs, held.Job.Aliases, held.Job.EnqueuedAt, started, completed,
            pool: new PoolTimings(server.Id, 1, started is { } s ? s - held.Job.EnqueuedAt : TimeSpan.Zero, started is { } t ? completed - t : TimeSpan.Zero));
    }

    private static DateTimeOffset? Stamp(HistoryEntry entry, string message) =>
        entry.Status?.Messages.FirstOrDefault(m => m.Name == message)?.Data is { ValueKind: JsonValueKind.Object } data &&
        data.TryGetProperty("timestamp", out var stamp) && stamp.TryGetInt64(out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;

    private static string ErrorMessage(HistoryEntry entry) =>
        entry.Status?.ExecutionError is { ValueKind: JsonValueKind.Object } error && error.TryGetProperty("exception_message", out var message)
            ? message.ToString()
            : "The prompt failed on the server.";
}
