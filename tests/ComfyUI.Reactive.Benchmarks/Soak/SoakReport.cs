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

    /// <summary>Results whose text output is missing or not the job's own (an incomplete result, or one taken from another
    /// job's prompt).</summary>
    public required int Misattributed { get; init; }

    /// <summary>Prompt executions the servers started (emulator counters, restarts included).</summary>
    public required long Executions { get; init; }

    /// <summary>Extra executions not explained by a server death: a job executed more than once although no kill caught
    /// it in flight, or a prompt no job saw accepted. Must be 0.</summary>
    public required long ExtraOutsideDeaths { get; init; }

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

    /// <summary>Every job completed, none failed, no job delivered twice, every result its own and complete, and every
    /// extra execution explained by a server death. (<see cref="AtMostOneExtraPerDeath"/> is printed, not required: a
    /// kill that lands just after a prompt finished, before its result reached the client, loses that result with the
    /// server's history, and the prompt that had just started there runs again too; see docs/reliability.md.)</summary>
    public bool Passed => Completed == Jobs && Failed == 0 && Duplicates == 0 && Misattributed == 0 && ExtraOutsideDeaths == 0;

    /// <summary>The line the issue asks for, printed last.</summary>
    public string LastLine => string.Create(
        CultureInfo.InvariantCulture,
        $"jobs={Jobs} completed={Completed} failed={Failed} duplicates={Duplicates} executions={Executions} max_redispatch_ms={MaxRedispatchMs}");

    /// <summary>The checks beyond the last line.</summary>
    public string DeathLine => string.Create(
        CultureInfo.InvariantCulture,
        $"server_deaths={Kills} extra_executions={ExtraExecutions} extra_outside_deaths={ExtraOutsideDeaths} at_most_one_extra_execution_per_death={(AtMostOneExtraPerDeath ? "yes" : "no")} misattributed={Misattributed} unfinished={Unfinished}");
}
