using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Emulator.Faults;
using ComfyUI.Reactive.Emulator.Files;
using ComfyUI.Reactive.Emulator.Nodes;
using ComfyUI.Reactive.Emulator.Sockets;

namespace ComfyUI.Reactive.Emulator.Execution;

/// <summary>
/// The single worker of ComfyUI (main.py <c>prompt_worker</c> + execution.py <c>PromptExecutor</c>): takes one prompt at
/// a time, sends the lifecycle messages in the recorded order with the recorded routing (§3.2 of PROTOCOL.md), runs
/// nodes in <see cref="ExecutionList"/> order with the classic output cache, observes the interrupt flag at node
/// starts and progress ticks, and writes history before the final <c>status</c> and <c>executing(null)</c>.
/// </summary>
internal sealed partial class PromptExecutor
{
    private readonly PromptQueue queue;
    private readonly HistoryStore history;
    private readonly SocketHub hub;
    private readonly NodeCatalog catalog;
    private readonly FileStore files;
    private readonly ComfyEmulatorOptions options;
    private readonly EmulatorFaults faults;
    private readonly OutputCache cache = new();
    private readonly ConcurrentDictionary<string, int> executions;
    private readonly ExecutionLog log;
    private volatile bool interrupted;
    private volatile bool freeRequested;
    private long totalExecutions;

    public PromptExecutor(PromptQueue queue, HistoryStore history, SocketHub hub, NodeCatalog catalog, FileStore files, ComfyEmulatorOptions options, EmulatorFaults faults, ConcurrentDictionary<string, int> executions, ExecutionLog log)
    {
        this.queue = queue;
        this.history = history;
        this.hub = hub;
        this.catalog = catalog;
        this.files = files;
        this.options = options;
        this.faults = faults;
        this.executions = executions;
        this.log = log;
    }

    /// <summary>The client of the running prompt (<c>server.client_id</c>).</summary>
    public string? CurrentClientId { get; private set; }

    /// <summary>The display id of the node that last sent <c>executing</c> (<c>server.last_node_id</c>), replayed to a reconnecting client.</summary>
    public string? LastNodeId { get; private set; }

    public long TotalExecutions => Interlocked.Read(ref totalExecutions);

    private long Now() => options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Sets the interrupt flag; with a prompt id, only when that prompt is the one running.</summary>
    public void Interrupt(string? promptId)
    {
        if (promptId is null || queue.Running?.PromptId == promptId)
        {
            interrupted = true;
        }
    }

    /// <summary><c>POST /free {"free_memory": true}</c>: the cache is dropped by the worker before its next prompt.</summary>
    public void RequestFree() => freeRequested = true;

    public void BroadcastStatus(int remaining) => hub.Send(JsonFrames.Status(remaining), null);

    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            QueueItem item;
            try
            {
                (item, var remaining) = await queue.TakeAsync(faults.WaitWhilePausedAsync, ct).ConfigureAwait(false);
                await item.Answered.Task.WaitAsync(ct).ConfigureAwait(false);
                BroadcastStatus(remaining);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            HistoryRecord record;
            var startedAt = options.TimeProvider.GetUtcNow();
            try
            {
                record = await ExecuteAsync(item, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }

            log.Add(new EmulatorExecution(item.PromptId, startedAt, options.TimeProvider.GetUtcNow(), record.StatusStr == "success"));

            history.Add(record);
            BroadcastStatus(queue.Finish());
            if (item.ClientId is { } client)
            {
                hub.Send(JsonFrames.Message("executing", item.PromptId, static (w, id) =>
                {
                    w.WriteNull("node");
                    w.WriteString("prompt_id", id);
                }), client);
            }
        }
    }

    private sealed class RunState
    {
        public required QueueItem Item { get; init; }
        public required PromptGraph Graph { get; init; }
        public required ProgressTracker Progress { get; init; }
        public required string? Client { get; init; }
        public Dictionary<string, object?[]> Outputs { get; } = new(StringComparer.Ordinal);
        public List<string> Executed { get; } = [];
        public List<(string Id, byte[] Ui)> UiOutputs { get; } = [];
        public List<(string Event, byte[] Data)> Messages { get; } = [];
    }

    private async Task<HistoryRecord> ExecuteAsync(QueueItem item, CancellationToken ct)
    {
        interrupted = false;
        executions.AddOrUpdate(item.PromptId, 1, static (_, n) => n + 1);
        Interlocked.Increment(ref totalExecutions);
        if (freeRequested)
        {
            freeRequested = false;
            cache.Clear();
        }

        var client = item.ClientId;
        CurrentClientId = client;
        var graph = item.Graph;
        var run = new RunState { Item = item, Graph = graph, Progress = new ProgressTracker(item.PromptId), Client = client };

        AddMessage(run, "execution_start", item.PromptId, static (w, id) => w.WriteString("prompt_id", id), broadcast: false);

        graph.ComputeSignatures(files);
        cache.KeepOnly(graph.Order.Select(id => graph.Nodes[id].Signature!).ToHashSet(StringComparer.Ordinal));
        var cachedNodes = graph.Order.Where(IsCached).ToList();
        var currentOutputs = graph.Order.ToList();
        AddMessage(run, "execution_cached", (cachedNodes, item.PromptId), static (w, s) =>
        {
            w.WriteStartArray("nodes");
            foreach (var n in s.cachedNodes)
            {
                w.WriteStringValue(n);
            }

            w.WriteEndArray();
            w.WriteString("prompt_id", s.PromptId);
        }, broadcast: false);

        var list = new ExecutionList(graph, IsCached);
        foreach (var o in item.Outputs)
        {
            list.AddNode(o);
        }

        var success = true;
        var wasInterrupted = false;
        while (!list.IsEmpty)
        {
            var id = list.Stage();
            if (id is null)
            {
                success = false;
                SendError(run, graph.Order.First(), "graph.DependencyCycleError", "Dependency cycle detected", currentOutputs, null);
                break;
            }

            var outcome = await RunNodeAsync(run, id, currentOutputs, ct).ConfigureAwait(false);
            if (outcome != NodeOutcome.Success)
            {
                success = false;
                wasInterrupted = outcome == NodeOutcome.Interrupted;
                break;
            }

            list.Complete(id);
        }

        if (success)
        {
            AddMessage(run, "execution_success", item.PromptId, static (w, id) => w.WriteString("prompt_id", id), broadcast: false);
        }

        LastNodeId = null;
        CurrentClientId = null;
        return new HistoryRecord(item.PromptId, BuildHistory(run, success), success ? "success" : "error", wasInterrupted, item.CreateTime);

        bool IsCached(string id) => graph.Nodes[id].Signature is { } sig && cache.TryGet(sig, out _);
    }

    private enum NodeOutcome
    {
        Success,
        Failed,
        Interrupted,
    }

    private async Task<NodeOutcome> RunNodeAsync(RunState run, string id, List<string> currentOutputs, CancellationToken ct)
    {
        var node = run.Graph.Nodes[id];
        var promptId = run.Item.PromptId;
        if (cache.TryGet(node.Signature!, out var cached))
        {
            if (run.Client is not null)
            {
                SendExecuted(run, id, cached.Ui);
                if (cached.Ui is not null)
                {
                    run.UiOutputs.Add((id, cached.Ui));
                }
            }

            run.Progress.Finish(id);
            hub.Send(run.Progress.Frame(), run.Client);
            run.Outputs[id] = cached.Outputs;
            return NodeOutcome.Success;
        }

        run.Progress.Start(id);
        hub.Send(run.Progress.Frame(), run.Client);
        var inputs = new Dictionary<string, object?>(node.Constants, StringComparer.Ordinal);
        foreach (var (name, from, slot) in node.Links)
        {
            // Upstream nodes that were cached never ran in this prompt: their outputs come from the cache, as in get_input_data.
            var upstream = run.Outputs.TryGetValue(from, out var produced) ? produced
                : run.Graph.Nodes.TryGetValue(from, out var source) && source.Signature is { } sig && cache.TryGet(sig, out var hit) ? hit.Outputs
                : null;
            inputs[name] = upstream is not null && slot < upstream.Length ? upstream[slot] : null;
        }

        if (run.Client is not null)
        {
            LastNodeId = id;
            hub.Send(JsonFrames.Message("executing", (id, promptId), static (w, s) =>
            {
                w.WriteString("node", s.id);
                w.WriteString("display_node", s.id);
                w.WriteString("prompt_id", s.promptId);
            }), run.Client);
        }

        NodeResult result;
        try
        {
            if (interrupted)
            {
                throw new PromptInterruptedException();
            }

            var classType = node.Schema.ClassType;
            if (options.NodeDelays.TryGetValue(classType, out var delay) && delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, ct).ConfigureAwait(false);
            }

            await faults.WaitIfHungAsync(classType, ct).ConfigureAwait(false);
            if (faults.NodeFailure(classType) is { } injected)
            {
                throw new NodeExecutionException("RuntimeError", injected);
            }

            var context = new NodeContext
            {
                NodeId = id,
                PromptId = promptId,
                Inputs = inputs,
                Files = files,
                Options = options,
                PreviewsEnabled = options.SamplerPreviews && !(run.Item.ExtraData["preview_method"] is JsonValue pm && pm.GetValueKind() == JsonValueKind.String && pm.GetValue<string>() == "none"),
                Progress = (value, max, preview) => Tick(run, id, value, max, preview),
                Cancellation = ct,
            };
            result = await node.Schema.Behavior.ExecuteAsync(context).ConfigureAwait(false);
        }
        catch (PromptInterruptedException)
        {
            AddMessage(run, "execution_interrupted", (run, id), static (w, s) =>
            {
                w.WriteString("prompt_id", s.run.Item.PromptId);
                w.WriteString("node_id", s.id);
                w.WriteString("node_type", s.run.Graph.Nodes[s.id].Schema.ClassType);
                WriteExecuted(w, s.run.Executed);
            }, broadcast: true);
            return NodeOutcome.Interrupted;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            var (type, message) = ex is NodeExecutionException ne ? (ne.ExceptionType, ne.Message) : (ex.GetType().Name, ex.Message);
            SendError(run, id, type, message + "\n", currentOutputs, inputs);
            return NodeOutcome.Failed;
        }

        if (result.UiJson is { } ui)
        {
            run.UiOutputs.Add((id, ui));
            if (run.Client is not null)
            {
                SendExecuted(run, id, ui);
            }
        }

        cache.Set(node.Signature!, new CachedNode(result.Outputs, result.UiJson));
        run.Outputs[id] = result.Outputs;
        run.Progress.Finish(id);
        hub.Send(run.Progress.Frame(), run.Client);
        run.Executed.Add(id);
        return NodeOutcome.Success;
    }

    private ValueTask Tick(RunState run, string id, int value, int max, PreviewImage? preview)
    {
        if (interrupted)
        {
            throw new PromptInterruptedException();
        }

        run.Progress.Update(id, value, max);
        var progress = JsonFrames.Message("progress", (value, max, run.Item.PromptId, id), static (w, s) =>
        {
            w.WriteNumber("value", s.value);
            w.WriteNumber("max", s.max);
            w.WriteString("prompt_id", s.PromptId);
            w.WriteString("node", s.id);
        });
        hub.SendProgressTick(run.Client, run.Progress.Frame(), progress, preview);
        return ValueTask.CompletedTask;
    }
}
