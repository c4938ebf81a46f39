namespace ComfyUI.Reactive.Redis.Records;

/// <summary>
/// What a late observer is replayed of a job's stored updates, as in one process (the registry's replay): the latest of
/// each kind for the current attempt, in order, plus every node output and the end; a new queued state starts a new
/// attempt, keeping only why the previous one failed. Pure; bounded by the number of kinds plus the outputs.
/// </summary>
internal static class UpdateReplay
{
    public static List<StoredUpdate> Compact(IEnumerable<StoredUpdate> updates)
    {
        var kept = new List<StoredUpdate>();
        foreach (var update in updates)
        {
            switch (update.Kind)
            {
                case StoredUpdate.Queued:
                    var failure = kept.LastOrDefault(u => u.Kind == StoredUpdate.AttemptFailed);
                    kept.Clear();
                    if (failure is not null)
                    {
                        kept.Add(failure);
                    }

                    kept.Add(update);
                    break;
                case StoredUpdate.NodeOutput:
                case var _ when update.IsTerminal:
                    kept.Add(update);
                    break;
                default:
                    kept.RemoveAll(u => u.Kind == update.Kind);
                    kept.Add(update);
                    break;
            }
        }

        return kept;
    }
}
