using ComfyUI.Reactive.Events;
using ComfyUI.Reactive.Jobs.Progress;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Jobs;

/// <summary>What does not change while a job runs: its graph, options, the nodes expected to run, and the API its
/// outputs download through.</summary>
/// <remarks>A struct kept inline in the runner: one object fewer per job in flight.</remarks>
internal struct JobContext(Workflow workflow, JobOptions options, ComfyApi api)
{
    public Workflow Workflow { get; } = workflow;

    public JobOptions Options { get; } = options;

    public ComfyApi Api { get; } = api;

    /// <summary>The nodes that will run or come from the cache; null until the submission is prepared (every node counts).</summary>
    public HashSet<string>? Expected { get; set; }

    /// <summary>The progress plan of this attempt (expected nodes, their steps, learnt costs), set when the submission is
    /// prepared; until then (and in tests that set only <see cref="Expected"/>) one is derived without learnt costs.</summary>
    public ProgressPlan? Plan { get; set; }

    /// <summary>Whether a node id (or the submitted node an expansion id like <c>5.0.1</c> came from) is in the graph.</summary>
    public readonly bool ContainsNode(string nodeId)
    {
        if (Workflow.ContainsNode(nodeId))
        {
            return true;
        }

        var dot = nodeId.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 && Workflow.ContainsNode(nodeId[..dot]);
    }

    public readonly bool Expects(string node) => Expected?.Contains(node) != false;

    public readonly string? ClassOf(string? node) => JobResultAssembly.ClassOf(Workflow, node);
}

/// <summary>The result of one step: the next state, the updates to deliver and the effects to run.</summary>
internal readonly record struct JobStep(JobState State, IReadOnlyList<JobUpdate> Updates, IReadOnlyList<JobCommand> Commands);

/// <summary>
/// The job's logic as a pure function: <c>(state, input) → (state', updates, commands)</c>. No I/O, no clock (the time
/// is an argument), no locks: the runner (<see cref="TrackedJob"/>) serialises inputs and performs the commands.
/// </summary>
internal static partial class JobMachine
{
    private const string SaveImageWebsocket = "SaveImageWebsocket";

    public static JobStep Step(JobState state, JobInput input, in JobContext context, DateTimeOffset clock)
    {
        var now = clock.UtcDateTime;
        var b = new Builder(state, context, now);
        switch (input)
        {
            case JobInput.Posting posting:
                b.S = b.S with { Posted = true, SubmittedAt = now, ExpectedCount = Math.Max(1, posting.ExpectedCount) };
                break;
            case JobInput.Accepted accepted:
                b.Accept(accepted.Response);
                break;
            case JobInput.Event when b.S.Phase == JobPhase.Preparing:
                // Events that overtake the POST's answer wait in the runner until Accepted, keeping Queued first.
                break;
            case JobInput.Event e:
                b.Touch();
                b.Process(e.Value);
                break;
            case JobInput.ReplayedExecuting replayed when replayed.Node != b.S.CurrentNode && b.S.Phase != JobPhase.Preparing:
                b.Touch();
                b.NodeStarted(replayed.Node);
                break;
            case JobInput.QueuePosition q:
                b.S = b.S with { MissingStrikes = 0 };
                if (b.S.Phase == JobPhase.Queued && b.S.Position != q.Position && context.Options.TrackQueuePosition)
                {
                    b.S = b.S with { Position = q.Position };
                    b.Emit(new JobQueued(b.S.PromptId, q.Position, b.S.NodeErrors));
                }

                break;
            case JobInput.SeenRunning:
                b.S = b.S with { MissingStrikes = 0 };
                b.MarkStarted();
                break;
            case JobInput.Missing:
                b.S = b.S with { MissingStrikes = b.S.MissingStrikes + 1 };
                break;
            case JobInput.Reconciled:
                b.S = b.S with { LastReconcileAt = now };
                break;
            case JobInput.FramesMissed:
                b.S = b.S with { FramesMissed = true };
                break;
            case JobInput.HistoryRead history when history.Entry.Status is { IsSuccess: false } status:
                b.Do(new JobCommand.Fail(JobResultAssembly.ToException(b.S.PromptId, status, context.Workflow), null));
                break;
            case JobInput.HistoryRead history:
                b.CloseCurrentNode();
                b.Complete(history.Entry.Outputs);
                break;
            case JobInput.HistoryUnavailable:
                b.Complete(null);
                break;
            case JobInput.ServerDied when b.S.SuccessSeenWithEveryFrame && !b.S.HasOutputOnlyInHistory:
                // The prompt did finish (only its final executing was lost) and its outputs are known: completing beats
                // running it again. Not when a cached node's UI is only in the (now lost) history.
                b.CloseCurrentNode();
                b.Complete(null);
                break;
            case JobInput.StartLimit limit when b.S.Phase == JobPhase.Queued:
                // The socket may have missed the start (or the prompt finished unseen): ask the server before failing.
                b.Do(new JobCommand.CheckStartTimeout(limit.Limit));
                break;
            case JobInput.InactivityCheck check:
                var idle = now - b.S.LastEventAt;
                b.Do(idle < check.Limit
                    ? new JobCommand.ArmInactivity(check.Limit - idle, Recheck: true)
                    : new JobCommand.Fail(
                        new ComfyTimeoutException("inactivity", check.Limit, $"Prompt {b.S.PromptId} runs but nothing arrived for {check.Limit}; a node may hang. The prompt is interrupted."),
                        "the job timed out"));
                break;
            case JobInput.OverallLimit limit:
                b.Do(new JobCommand.Fail(
                    new ComfyTimeoutException("overall", limit.Limit, $"Prompt {b.S.PromptId} did not finish within {limit.Limit}. The server job is cancelled."),
                    "the job timed out"));
                break;
        }

        return b.Result();
    }

    /// <summary>The step under construction (a struct: no allocation per step); private to the machine, so the machine
    /// stays a function.</summary>
    private partial struct Builder(JobState state, JobContext context, DateTime now)
    {
        private readonly ProgressPlan _plan = context.Plan ?? ProgressPlan.For(context.Workflow, context.Expected, learnt: null);
        private List<JobUpdate>? _updates;
        private List<JobCommand>? _commands;

        public JobState S { get; set; } = state;

        public JobStep Result() => new(S, (IReadOnlyList<JobUpdate>?)_updates ?? [], (IReadOnlyList<JobCommand>?)_commands ?? []);

        public void Emit(JobUpdate update) => (_updates ??= []).Add(update);

        public void Do(JobCommand command) => (_commands ??= []).Add(command);

        public void Touch() => S = S with { LastEventAt = now };

        public void Accept(Models.PromptResponse response)
        {
            if (S.Phase != JobPhase.Preparing)
            {
                return;
            }

            S = S with
            {
                Accepted = true,
                Phase = JobPhase.Queued,
                LastEventAt = now,
                NodeErrors = response.HasNodeErrors ? response.NodeErrors : JobQueued.NoErrors,
            };
            if (context.Options.StartTimeout is { } start)
            {
                Do(new JobCommand.ArmStartTimer(start));
            }

            Emit(new JobQueued(S.PromptId, null, S.NodeErrors));
        }

        public void Process(ComfyEvent e)
        {
            switch (e)
            {
                case ExecutionStartEvent:
                    MarkStarted();
                    break;
                case ExecutionCachedEvent cached:
                    MarkStarted();
                    Cached(cached.Nodes);
                    break;
                case ExecutingEvent { Node: { } node }:
                    MarkStarted();
                    NodeStarted(node);
                    break;
                case ExecutingEvent:
                    PromptFinished();
                    break;
                case ExecutionSuccessEvent:
                    // The server's word that every node ran; with every frame of the run seen, the outputs are complete
                    // even if the server dies before its final executing frame (JobInput.ServerDied).
                    S = S with { SuccessSeenWithEveryFrame = !S.FramesMissed && !S.Rekeyed };
                    break;
                case ProgressEvent progress:
                    Progress(progress);
                    break;
                case ProgressStateEvent progressState:
                    ProgressState(progressState);
                    break;
                case ExecutedEvent executed:
                    Executed(executed);
                    break;
                case PreviewImageEvent preview:
                    Preview(preview);
                    break;
                case ProgressTextEvent text:
                    Emit(new JobText(S.PromptId, text.NodeId, text.Text));
                    break;
                case ExecutionErrorEvent { IsTerminal: true } error:
                    Do(new JobCommand.Fail(
                        new ComfyExecutionException(
                            S.PromptId, error.NodeId, error.NodeType ?? context.ClassOf(error.NodeId), error.ExceptionType, error.ExceptionMessage, error.Traceback),
                        null));
                    break;
                case ExecutionInterruptedEvent interrupted:
                    Do(new JobCommand.Fail(
                        new ComfyInterruptedException(S.PromptId, interrupted.NodeId, interrupted.NodeType ?? context.ClassOf(interrupted.NodeId)), null));
                    break;
            }
        }

        public void MarkStarted()
        {
            if (S.Phase is JobPhase.Running or JobPhase.Finishing)
            {
                return;
            }

            S = S with { Phase = JobPhase.Running, SeenRunning = true, StartedAt = now, Progress = S.Progress.Started(now) };
            Do(JobCommand.CancelStart);
            if (context.Options.InactivityTimeout is { } limit)
            {
                Do(new JobCommand.ArmInactivity(limit, Recheck: false));
            }

            Emit(new JobStarted(S.PromptId, S.Posted ? now - S.SubmittedAt : TimeSpan.Zero));
        }

        public void NodeStarted(string node)
        {
            CloseCurrentNode();
            StartProgress(node);
            S = S with { CurrentNode = node, CurrentNodeStartedAt = now, CurrentValue = 0, CurrentMax = 0 };
            var workflow = context.Workflow;
            Emit(new JobNodeStarted(S.PromptId, node, context.ClassOf(node), workflow.ContainsNode(node) ? workflow.GetTitle(node) : null));
            ReportIfAdvanced();
        }

        private void Executed(ExecutedEvent executed)
        {
            // A cached node may re-send output: null after a real output was seen; keep the real one.
            if (executed.Output is not null || !S.Outputs.ContainsKey(executed.Node))
            {
                S = S with { Outputs = S.Outputs.SetItem(executed.Node, executed.Output) };
            }

            MarkDone(executed.Node);
            if (executed.Output is not null)
            {
                Emit(new JobNodeOutput(S.PromptId, new JobOutput(context.Api, executed.Node, context.ClassOf(executed.Node), executed.Output, null)));
            }

            ReportIfAdvanced();
        }

        private void Preview(PreviewImageEvent preview)
        {
            var node = preview.NodeId ?? S.CurrentNode;
            if (node is not null && context.ClassOf(preview.DisplayNodeId ?? node) == SaveImageWebsocket)
            {
                Do(new JobCommand.KeepWebsocketImage(preview.DisplayNodeId ?? node, preview));
                return;
            }

            Emit(new JobPreview(S.PromptId, node, preview.Image, preview.MimeType));
        }

        private void PromptFinished()
        {
            CloseCurrentNode();

            // Reaching here means success: errors and interrupts already ended the job, and servers older than mid-2024
            // send no execution_success at all.
            S = S with { Phase = JobPhase.Finishing };
            if (S.Rekeyed || S.FramesMissed || S.HasOutputOnlyInHistory)
            {
                // Cached nodes without their UI in the frame, `executed` frames sent while the socket was down, or early
                // frames pushed out of the bounded hold of a job whose server chose its id: the history (written before
                // this frame) has them.
                Do(JobCommand.ReadHistory);
                return;
            }

            Complete(null);
        }
    }
}
