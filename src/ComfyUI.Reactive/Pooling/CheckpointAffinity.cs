namespace ComfyUI.Reactive.Pooling;

/// <summary>
/// The "prefer the server that last ran the same checkpoint" tie-breaker: switching checkpoints costs a model load
/// (seconds to tens of seconds), so among otherwise equal servers the one that has the job's checkpoint loaded wins.
/// </summary>
internal static class CheckpointAffinity
{
    /// <summary>
    /// Picks the server for an item among equally good candidates: the first whose last checkpoint is one the item uses,
    /// else the first candidate.
    /// </summary>
    /// <param name="requirements">The item's requirements.</param>
    /// <param name="candidates">Equally good servers in preference order; not empty.</param>
    /// <param name="lastCheckpoint">The checkpoint a server last ran, or null.</param>
    /// <returns>The chosen server.</returns>
    public static ServerId Choose(
        WorkflowRequirements requirements, IReadOnlyList<ServerId> candidates, Func<ServerId, string?> lastCheckpoint)
    {
        ArgumentNullException.ThrowIfNull(requirements);
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(lastCheckpoint);
        if (candidates.Count == 0)
        {
            throw new ArgumentException("There must be at least one candidate.", nameof(candidates));
        }

        var checkpoints = requirements.Checkpoints;
        if (checkpoints.Count > 0)
        {
            foreach (var candidate in candidates)
            {
                if (lastCheckpoint(candidate) is { } last && checkpoints.Contains(last, StringComparer.Ordinal))
                {
                    return candidate;
                }
            }
        }

        return candidates[0];
    }

    /// <summary>The checkpoint a server will have loaded after running these requirements, or null when they load none.</summary>
    /// <param name="requirements">The requirements.</param>
    /// <returns>The last checkpoint the workflow names, or null.</returns>
    public static string? LoadedAfter(WorkflowRequirements requirements)
    {
        ArgumentNullException.ThrowIfNull(requirements);
        var checkpoints = requirements.Checkpoints;
        return checkpoints.Count > 0 ? checkpoints[^1] : null;
    }
}
