using System.Globalization;

namespace ComfyUI.Reactive.Benchmarks.Soak;

/// <summary>What a fault soak runs: how many servers and jobs, how long a job takes, how often a fault strikes.</summary>
internal sealed record SoakSettings
{
    /// <summary>Jobs submitted to the pool, all at once.</summary>
    public int Jobs { get; init; } = 1000;

    /// <summary>In-process emulators in the pool.</summary>
    public int Servers { get; init; } = 3;

    /// <summary>Seeds the job durations, the fault kinds, targets, gaps and sizes.</summary>
    public int Seed { get; init; } = 20261125;

    /// <summary>Shortest simulated job (one slow node, in 20 ms steps).</summary>
    public int MinJobMs { get; init; } = 20;

    /// <summary>Longest simulated job.</summary>
    public int MaxJobMs { get; init; } = 100;

    /// <summary>Shortest gap between the end of one fault and the start of the next.</summary>
    public TimeSpan MinFaultGap { get; init; } = TimeSpan.FromSeconds(1.5);

    /// <summary>Longest gap between faults.</summary>
    public TimeSpan MaxFaultGap { get; init; } = TimeSpan.FromSeconds(3.5);

    /// <summary>Give up waiting for the jobs after this long (the run then reports what it has).</summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Attempts per job (<c>ComfyPoolOptions.MaxAttempts</c>); null keeps the pool's default.</summary>
    public int? MaxAttempts { get; init; }

    /// <summary>Also log the pool's and clients' messages (why a server left rotation, why an attempt failed).</summary>
    public bool Trace { get; init; }

    /// <summary>Where progress lines go (fault log, summary); null for nowhere.</summary>
    public TextWriter? Log { get; init; }

    /// <summary>Reads <c>--jobs N --servers N --seed N --min-job-ms N --max-job-ms N --min-gap-ms N --max-gap-ms N
    /// --deadline-s N --max-attempts N --trace 0|1</c>.</summary>
    public static SoakSettings Parse(string[] args, TextWriter? log)
    {
        var settings = new SoakSettings { Log = log, Seed = Environment.TickCount & 0x7FFFFFFF };
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            var value = i + 1 < args.Length ? int.Parse(args[++i], CultureInfo.InvariantCulture) : throw new ArgumentException($"{name} needs a value");
            settings = name switch
            {
                "--jobs" => settings with { Jobs = value },
                "--servers" => settings with { Servers = value },
                "--seed" => settings with { Seed = value },
                "--min-job-ms" => settings with { MinJobMs = value },
                "--max-job-ms" => settings with { MaxJobMs = value },
                "--min-gap-ms" => settings with { MinFaultGap = TimeSpan.FromMilliseconds(value) },
                "--max-gap-ms" => settings with { MaxFaultGap = TimeSpan.FromMilliseconds(value) },
                "--deadline-s" => settings with { Deadline = TimeSpan.FromSeconds(value) },
                "--max-attempts" => settings with { MaxAttempts = value },
                "--trace" => settings with { Trace = value != 0 },
                _ => throw new ArgumentException($"unknown argument {name}"),
            };
        }

        if (settings.Jobs < 1 || settings.Servers < 2 || settings.MinJobMs < 20 || settings.MaxJobMs < settings.MinJobMs ||
            settings.MaxFaultGap < settings.MinFaultGap)
        {
            throw new ArgumentException("need jobs >= 1, servers >= 2, 20 <= min-job-ms <= max-job-ms, min-gap <= max-gap");
        }

        return settings;
    }
}
