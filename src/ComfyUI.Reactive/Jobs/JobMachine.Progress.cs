using ComfyUI.Reactive.Events;
using ComfyUI.Reactive.Jobs.Progress;

namespace ComfyUI.Reactive.Jobs;

/// <summary>The job machine's progress: the events that move the weighted estimate (<see cref="ProgressEstimate"/>) and
/// the <see cref="JobProgress"/> updates it reports.</summary>
internal static partial class JobMachine
{
    private partial struct Builder
    {
        public void CloseCurrentNode()
        {
            if (S.CurrentNode is not { } previous)
            {
                return;
            }

            // Without progress_state (older servers) a node counts as done once the next one starts.
            S = S with { NodeTimes = S.NodeTimes.SetItem(previous, new NodeTime(now - S.CurrentNodeStartedAt)), CurrentNode = null };
            MarkDone(previous);
        }

        public void Complete(IReadOnlyDictionary<string, Models.NodeOutput>? history)
        {
            if (!S.Progress.Completed)
            {
                S = S with { Progress = S.Progress.CompletedAt(now).MarkReported() };
                Emit(new JobProgress(S.PromptId, null, S.CurrentValue, S.CurrentMax, 1) { EstimatedRemaining = TimeSpan.Zero });
            }

            Do(new JobCommand.Complete(history));
        }

        private void StartProgress(string node) => S = S with { Progress = S.Progress.NodeStarted(_plan, node, now) };

        private void Cached(IReadOnlyList<string> nodes)
        {
            List<string>? ours = null;
            foreach (var node in nodes)
            {
                // The server lists every cached node of the prompt, even ones that will not run; count only expected ones.
                if (context.ContainsNode(node))
                {
                    (ours ??= []).Add(node);
                    S = S with { Progress = S.Progress.Cached(_plan, node) };
                }
            }

            if (ours is not null)
            {
                Emit(new JobCached(S.PromptId, ours));
                ReportIfAdvanced();
            }
        }

        private void MarkDone(string node) => S = S with { Progress = S.Progress.NodeFinished(_plan, node, now) };

        private void Progress(ProgressEvent progress)
        {
            var node = progress.Node ?? S.CurrentNode;
            S = S with { CurrentValue = progress.Value, CurrentMax = progress.Max };
            if (node is not null)
            {
                S = S with { Progress = S.Progress.Stepped(_plan, node, progress.Value, progress.Max, now) };
            }

            S = S with { Progress = S.Progress.Recomputed(_plan, now).MarkReported() };
            Emit(Report(node, progress.Value, progress.Max));
        }

        private void ProgressState(ProgressStateEvent state)
        {
            var finishedBefore = S.Progress.DoneCount;
            foreach (var (id, node) in state.Nodes)
            {
                if (node.IsFinished)
                {
                    S = S with { Progress = S.Progress.NodeFinished(_plan, id, now) };
                }
                else if (node.Value > 0 || node.Max > 1)
                {
                    // A node that just started shows 0 of 1 whatever its steps: taken as its weight, that would shrink a
                    // sampler's 20 steps to one until its first progress frame. Its executing frame starts it instead.
                    S = S with { Progress = S.Progress.Stepped(_plan, id, node.Value, node.Max, now) };
                }
            }

            // A tick's progress_state is followed by its progress frame; report here only when a node finished.
            if (S.Progress.DoneCount > finishedBefore)
            {
                ReportIfAdvanced();
            }
        }

        private void ReportIfAdvanced()
        {
            S = S with { Progress = S.Progress.Recomputed(_plan, now) };
            if (S.Progress.Advanced && S.Phase != JobPhase.Preparing)
            {
                S = S with { Progress = S.Progress.MarkReported() };
                Emit(Report(S.CurrentNode, S.CurrentValue, S.CurrentMax));
            }
        }

        private readonly JobProgress Report(string? node, double value, double max) =>
            new(S.PromptId, node, value, max, S.Progress.Fraction) { EstimatedRemaining = S.Progress.Remaining(_plan, now) };
    }
}
