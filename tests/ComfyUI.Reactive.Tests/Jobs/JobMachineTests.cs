using System.Globalization;
using System.Text.Json;
using ComfyUI.Reactive.Events;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Tests.Jobs;

/// <summary>
/// The job's logic as a table: a sequence of inputs (server events, HTTP answers, verdicts, timer ticks) and the updates
/// and commands the pure <see cref="JobMachine"/> must give for it, in order. No socket, no HTTP, no clock.
/// Inputs: <c>accept</c>, <c>start</c>, <c>cached:1,2</c>, <c>exec:2</c>, <c>done</c> (executing null), <c>success</c>,
/// <c>progress:5/10</c>, <c>out:3</c> / <c>out-null:3</c> (executed with and without UI), <c>error</c>, <c>blocked</c>,
/// <c>interrupted</c>, <c>queue:2</c>, <c>running</c>, <c>missed</c> (socket dropped), <c>died</c>, <c>history-ok</c>,
/// <c>history-error</c>, <c>start-limit</c>, <c>idle@S</c> (inactivity check S seconds after the last event).
/// </summary>
public sealed class JobMachineTests
{
    private const string Id = "p-1";
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, string, string> Cases => new()
    {
        // inputs | updates | commands
        { "accept", "Queued", "" },
        { "accept start exec:1 exec:2 exec:3 out:3 success done",
          "Queued Started Node(1) Node(2) Progress(0.333) Node(3) Progress(0.667) Output(3) Progress(0.999) Progress(1)",
          "CancelStart Complete(socket)" },
        { "accept cached:1,2,3 out-null:3 success done", "Queued Started Cached(1,2,3)", "CancelStart ReadHistory" },   // cached nodes do no work: the bar does not move
        { "accept cached:1,2,3 out-null:3 done history-ok", "Queued Started Cached(1,2,3) Progress(1)", "CancelStart ReadHistory Complete(history)" },
        { "accept start exec:2 progress:5/10 progress:10/10", "Queued Started Node(2) Progress(0.417) Progress(0.833)", "CancelStart" },   // 10 steps of 12
        { "accept start exec:2 error", "Queued Started Node(2)", "CancelStart Fail(ComfyExecutionException)" },
        { "accept start exec:2 blocked exec:3 out:3 done", "Queued Started Node(2) Node(3) Progress(0.333) Output(3) Progress(0.667) Progress(1)", "CancelStart Complete(socket)" },
        { "accept start interrupted", "Queued Started", "CancelStart Fail(ComfyInterruptedException)" },
        { "accept queue:2 queue:2 queue:0", "Queued Queued(2) Queued(0)", "" },
        { "accept running queue:1", "Queued Started", "CancelStart" },
        { "accept start missed exec:3 out:3 done", "Queued Started Node(3) Output(3) Progress(0.333)", "CancelStart ReadHistory" },
        { "accept start exec:3 out:3 success died", "Queued Started Node(3) Output(3) Progress(0.333) Progress(1)", "CancelStart Complete(socket)" },
        { "accept start missed exec:3 out:3 success died", "Queued Started Node(3) Output(3) Progress(0.333)", "CancelStart" },
        { "accept start cached:3 out-null:3 success died", "Queued Started Cached(3)", "CancelStart" },
        { "accept history-error", "Queued", "Fail(ComfyExecutionException)" },
        { "accept start-limit", "Queued", "CheckStartTimeout" },
        { "accept start start-limit", "Queued Started", "CancelStart" },
        { "accept-limits", "Queued", "ArmStart(60)" },
        { "accept-limits start idle@3 idle@30", "Queued Started", "ArmStart(60) CancelStart ArmInactivity(30) ArmInactivity(27) Fail(ComfyTimeoutException:inactivity)" },
        { "start accept", "Queued", "" }, // the runner holds events that overtake the answer and replays them after it
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Step_InputSequence_GivesTheUpdatesAndCommandsInOrder(string inputs, string updates, string commands)
    {
        var (seenUpdates, seenCommands, _) = Run(inputs);

        Assert.Equal(updates, string.Join(' ', seenUpdates));
        Assert.Equal(commands, string.Join(' ', seenCommands));
    }

    [Fact]
    public void Step_AnyInput_LeavesTheGivenStateUnchanged()
    {
        var context = Context();
        var before = Initial();

        var step = JobMachine.Step(before, new JobInput.Accepted(new PromptResponse { PromptId = Id }), in context, T0);

        Assert.Equal(JobPhase.Preparing, before.Phase);
        Assert.Equal(JobPhase.Queued, step.State.Phase);
    }

    [Fact]
    public void State_RoundTripsThroughJson_WithOutputsSeenAndProgress()
    {
        var (_, _, state) = Run("accept start cached:1 exec:2 progress:5/10 out:3 missed queue:1");

        var json = JsonSerializer.Serialize(state);
        var back = JsonSerializer.Deserialize<JobState>(json);

        Assert.Equal(json, JsonSerializer.Serialize(back));
        Assert.Equal(("http://comfy.test:8188", "client-1", Id, JobPhase.Running), (back.Server, back.ClientId, back.PromptId, back.Phase));
        Assert.True(back.SeenRunning && back.FramesMissed && back.Accepted);
        Assert.Equal("a.png", back.Outputs["3"]!.Images[0].Filename);
        Assert.Equal(state.Progress.Fraction, back.Progress.Fraction);
        Assert.Equal(state.Progress.Nodes.OrderBy(n => n.Key, StringComparer.Ordinal), back.Progress.Nodes.OrderBy(n => n.Key, StringComparer.Ordinal));
        Assert.Equal((state.Progress.DoneCount, state.Progress.Running), (back.Progress.DoneCount, back.Progress.Running));
        Assert.Equal(state.NodeTimes, back.NodeTimes);
    }

    private static JobState Initial() => new() { Server = "http://comfy.test:8188", ClientId = "client-1", PromptId = Id };

    private static JobContext Context(JobOptions? options = null) =>
        new(JobTestServer.Basic, options ?? new JobOptions(), new ComfyApi(new ComfyClientOptions { BaseAddress = new Uri("http://comfy.test:8188/") }))
        {
            Expected = ["1", "2", "3"],
        };

    private static (List<string> Updates, List<string> Commands, JobState State) Run(string inputs)
    {
        var limits = inputs.StartsWith("accept-limits", StringComparison.Ordinal);
        var context = Context(limits ? new JobOptions { StartTimeout = TimeSpan.FromSeconds(60), InactivityTimeout = TimeSpan.FromSeconds(30) } : null);
        var state = JobMachine.Step(Initial(), new JobInput.Posting(3), context, T0).State;
        var updates = new List<string>();
        var commands = new List<string>();
        var now = T0;
        foreach (var token in inputs.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            now += TimeSpan.FromSeconds(1);
            var step = JobMachine.Step(state, Input(token, state, ref now), context, now);
            state = step.State;
            updates.AddRange(step.Updates.Select(Describe));
            commands.AddRange(step.Commands.Select(Describe));
        }

        return (updates, commands, state);
    }

    private static JobInput Input(string token, JobState state, ref DateTimeOffset now)
    {
        var (name, arg) = token.IndexOf(':', StringComparison.Ordinal) is var i and > 0 ? (token[..i], token[(i + 1)..]) : (token, "");
        if (name.StartsWith("idle@", StringComparison.Ordinal))
        {
            now = new DateTimeOffset(state.LastEventAt, TimeSpan.Zero) + TimeSpan.FromSeconds(int.Parse(name[5..], CultureInfo.InvariantCulture));
            return new JobInput.InactivityCheck(TimeSpan.FromSeconds(30));
        }

        return name switch
        {
            "accept" or "accept-limits" => new JobInput.Accepted(new PromptResponse { PromptId = Id }),
            "start" => Event(new ExecutionStartEvent(Id, 1)),
            "cached" => Event(new ExecutionCachedEvent(arg.Split(','), Id, 1)),
            "exec" => Event(new ExecutingEvent(arg, arg, Id)),
            "done" => Event(new ExecutingEvent(null, null, Id)),
            "success" => Event(new ExecutionSuccessEvent(Id, 2)),
            "progress" => Event(new ProgressEvent(double.Parse(arg.Split('/')[0], CultureInfo.InvariantCulture), double.Parse(arg.Split('/')[1], CultureInfo.InvariantCulture), Id, "2")),
            "out" => Event(new ExecutedEvent(arg, arg, Output("a.png"), Id)),
            "out-null" => Event(new ExecutedEvent(arg, arg, null, Id)),
            "error" => Event(Error("RuntimeError")),
            "blocked" => Event(Error("ExecutionBlocked")),
            "interrupted" => Event(new ExecutionInterruptedEvent(Id, "2", "ImageInvert", [], 3)),
            "queue" => new JobInput.QueuePosition(int.Parse(arg, CultureInfo.InvariantCulture)),
            "running" => JobInput.SeenRunningNow,
            "missed" => JobInput.FramesMissedNow,
            "died" => JobInput.ServerDiedNow,
            "history-ok" => new JobInput.HistoryRead(History("""{"status_str": "success", "completed": true, "messages": []}""")),
            "history-error" => new JobInput.HistoryRead(History(
                """{"status_str": "error", "completed": false, "messages": [["execution_error", {"node_id": "2", "exception_type": "RuntimeError", "exception_message": "boom"}]]}""")),
            "start-limit" => new JobInput.StartLimit(TimeSpan.FromSeconds(60)),
            _ => throw new ArgumentException(token),
        };

        static JobInput Event(ComfyEvent e) => new JobInput.Event(e);
        static ExecutionErrorEvent Error(string type) =>
            new(Id, "2", "ImageInvert", [], "boom", type, [], default, [], null);
    }

    private static NodeOutput Output(string file) =>
        NodeOutput.FromJson(JsonDocument.Parse($$"""{"images": [{"filename": "{{file}}", "subfolder": "", "type": "output"}]}""").RootElement);

    private static HistoryEntry History(string status) =>
        JsonSerializer.Deserialize<HistoryEntry>($$$"""{"outputs": {"3": {"images": [{"filename": "h.png", "subfolder": "", "type": "output"}]}}, "status": {{{status}}}}""")!;

    private static string Describe(JobUpdate update) => update switch
    {
        JobQueued { Position: null } => "Queued",
        JobQueued q => $"Queued({q.Position})",
        JobStarted => "Started",
        JobCached c => $"Cached({string.Join(',', c.Nodes)})",
        JobNodeStarted n => $"Node({n.NodeId})",
        JobProgress p => $"Progress({Math.Round(p.Fraction, 3).ToString(CultureInfo.InvariantCulture)})",
        JobNodeOutput o => $"Output({o.Output.NodeId})",
        _ => update.GetType().Name,
    };

    private static string Describe(JobCommand command) => command switch
    {
        JobCommand.ArmStartTimer a => $"ArmStart({a.Limit.TotalSeconds})",
        JobCommand.CancelStartTimer => "CancelStart",
        JobCommand.ArmInactivity a => $"ArmInactivity({a.Due.TotalSeconds})",
        JobCommand.CompleteFromHistory => "ReadHistory",
        JobCommand.CheckStartTimeout => "CheckStartTimeout",
        JobCommand.Complete c => $"Complete({(c.History is null ? "socket" : "history")})",
        JobCommand.Fail { Error: ComfyTimeoutException t } => $"Fail(ComfyTimeoutException:{t.Phase})",
        JobCommand.Fail f => $"Fail({f.Error.GetType().Name})",
        _ => command.GetType().Name,
    };
}
