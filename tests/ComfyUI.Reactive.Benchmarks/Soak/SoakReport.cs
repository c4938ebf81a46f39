using System.Globalization;

namespace ComfyUI.Reactive.Benchmarks.Soak;

/// <summary>What a fault soak measured (see <see cref="FaultSoak"/>).</summary>
internal sealed record SoakReport
{
    public required int Jobs { get; init; }

    public required int Completed { get; init; }

    public required int Failed { get; init; }

    /// <summary>Jobs that had not ended at the deadline.</summary>
    public required int Unfinished { get; init; }

    /// <summary>Terminal notifications beyond the first, summed over jobs (a second result, a result and an error, ...).</summary>
    public required int Duplicates { get; init; }

    /// <summary>Results whose output text is not the job's own (a result taken from another job's prompt).</summary>
    public required int Misattributed { get; init; }

    /// <summary>Prompt executions the servers started (emulator counters, restarts included).</summary>
    public required long Executions { get; init; }

    /// <summary>Server kills (each a server death).</summary>
    public required int Kills { get; init; }

    /// <summary>Every fault injected, by kind.</summary>
    public required IReadOnlyDictionary<string, int> Faults { get; init; }

    /// <summary>Longest kill-to-re-dispatch time over every job caught by a kill, in ms (0 when none was).</summary>
    public required long MaxRedispatchMs { get; init; }

    /// <summary>Jobs that were in flight on a killed server (and so measured for re-dispatch).</summary>
    public required int Redispatched { get; init; }

    /// <summary>Jobs by the attempts their result took.</summary>
    public required IReadOnlyDictionary<int, int> AttemptsHistogram { get; init; }

    /// <summary>Failed jobs by exception type.</summary>
    public required IReadOnlyDictionary<string, int> Failures { get; init; }

    public required TimeSpan Wall { get; init; }

    /// <summary>Executions beyond one per job.</summary>
    public long ExtraExecutions => Executions - Jobs;

    /// <summary>At most one extra execution per server death (only a prompt running on a killed server runs twice).</summary>
    public bool AtMostOneExtraPerDeath => ExtraExecutions <= Kills;

    /// <summary>Every job completed, none failed, no job delivered twice, every result its own.</summary>
    public bool Passed => Completed == Jobs && Failed == 0 && Duplicates == 0 && Misattributed == 0 && AtMostOneExtraPerDeath;

    /// <summary>The line the issue asks for, printed last.</summary>
    public string LastLine => string.Create(
        CultureInfo.InvariantCulture,
        $"jobs={Jobs} completed={Completed} failed={Failed} duplicates={Duplicates} executions={Executions} max_redispatch_ms={MaxRedispatchMs}");

    /// <summary>The checks beyond the last line.</summary>
    public string DeathLine => string.Create(
        CultureInfo.InvariantCulture,
        $"server_deaths={Kills} extra_executions={ExtraExecutions} at_most_one_extra_execution_per_death={(AtMostOneExtraPerDeath ? "yes" : "no")} misattributed={Misattributed} unfinished={Unfinished}");
}
