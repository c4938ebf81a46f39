namespace ComfyUI.Reactive.Sessions;

/// <summary>
/// What a server's version can do, in one place: the path prefix, whether it honours client prompt ids and
/// <c>/interrupt {"prompt_id"}</c>, and whether it has <c>/api/jobs</c>. Each fact is read (or learned) once.
/// </summary>
internal sealed class ServerFacts(ComfyApi api, bool usesApiPrefix)
{
    private int _targetedInterrupt; // 0 not read yet, 1 honoured, 2 not honoured
    private int _clientPromptIds;   // 0 unknown, 1 honoured, 2 ignored
    private int _jobsApi;           // 0 not read yet, 1 present, 2 absent

    /// <summary>Whether routes use the <c>/api</c> prefix (servers since 2024-06-19 have it; older ones only bare paths).</summary>
    public bool UsesApiPrefix { get; } = usesApiPrefix;

    /// <summary>Whether the server kept the client's prompt id on a submission (since 2025-07-14); null until the first
    /// answer. An older server names its own id in the answer.</summary>
    public bool? HonoursClientPromptIds => Volatile.Read(ref _clientPromptIds) switch { 1 => true, 2 => false, _ => null };

    /// <summary>Records what a submission's answer said about the client's prompt id.</summary>
    /// <param name="honoured">Whether the answer named the client's id.</param>
    public void LearnPromptIdAnswer(bool honoured) => Volatile.Write(ref _clientPromptIds, honoured ? 1 : 2);

    /// <summary>ComfyUI 0.3.56 and later interrupt by prompt id; a missing or unreadable version counts as older.</summary>
    /// <param name="comfyUIVersion">The version from <c>/system_stats</c>.</param>
    /// <returns>Whether <c>/interrupt {"prompt_id"}</c> is honoured.</returns>
    public static bool HonoursTargetedInterrupt(string? comfyUIVersion)
    {
        var text = comfyUIVersion?.Trim().TrimStart('v', 'V');
        var end = text?.IndexOfAny(['-', '+', ' ']) ?? -1;
        return Version.TryParse(end > 0 ? text![..end] : text, out var version) && version >= new Version(0, 3, 56);
    }

    /// <summary>Whether the server's version honours a prompt id on <c>/interrupt</c> (an older one stops whatever runs);
    /// read once from <c>/system_stats</c>, a failed read is retried next time and answers false meanwhile.</summary>
    /// <returns>Whether a targeted interrupt is safe.</returns>
    public async Task<bool> HonoursTargetedInterruptAsync()
    {
        var known = Volatile.Read(ref _targetedInterrupt);
        if (known != 0)
        {
            return known == 1;
        }

        try
        {
            var stats = await api.GetSystemStatsAsync(CancellationToken.None).ConfigureAwait(false);
            var supported = HonoursTargetedInterrupt(stats.System?.ComfyUIVersion);
            Volatile.Write(ref _targetedInterrupt, supported ? 1 : 2);
            return supported;
        }
        catch (ComfyException)
        {
            return false;
        }
    }

    /// <summary>Whether the server has <c>/api/jobs</c> (since 2025-12-17); read once, a 404 means no.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>Whether the jobs API exists.</returns>
    public async Task<bool> HasJobsApiAsync(CancellationToken cancellationToken)
    {
        var known = Volatile.Read(ref _jobsApi);
        if (known != 0)
        {
            return known == 1;
        }

        try
        {
            await api.ListJobsAsync(new Models.JobsQuery { Limit = 1 }, cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _jobsApi, 1);
            return true;
        }
        catch (ComfyApiException ex) when (ex.StatusCode is System.Net.HttpStatusCode.NotFound or System.Net.HttpStatusCode.MethodNotAllowed)
        {
            Volatile.Write(ref _jobsApi, 2);
            return false;
        }
    }
}
