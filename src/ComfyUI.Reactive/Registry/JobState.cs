using ComfyUI.Reactive.Jobs;

namespace ComfyUI.Reactive.Registry;

/// <summary>
/// The updates a late subscriber of one job gets replayed: the latest of each kind for the current attempt, in arrival
/// order, plus every node output (few, and all in the result anyway). Bounded: one update per kind plus the outputs.
/// </summary>
internal sealed class JobState
{
    private readonly List<JobUpdate> _updates = [];

    public IReadOnlyList<JobUpdate> Updates => _updates;

    public void Apply(JobUpdate update)
    {
        switch (update)
        {
            case JobQueued:
                // A new attempt (or a new queue position): what the previous attempt showed no longer holds, except why it failed.
                var failure = _updates.OfType<JobAttemptFailed>().LastOrDefault();
                _updates.Clear();
                if (failure is not null)
                {
                    _updates.Add(failure);
                }

                _updates.Add(update);
                break;
            case JobNodeOutput or JobCompleted:
                _updates.Add(update);
                break;
            default:
                var type = update.GetType();
                _updates.RemoveAll(u => u.GetType() == type);
                _updates.Add(update);
                break;
        }
    }
}
