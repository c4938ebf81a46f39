using System.Reactive.Linq;
using ComfyUI.Reactive.Pooling;

namespace ComfyUI.Reactive.Tests.Pooling;

/// <summary>
/// The liveness property in virtual time: over random servers, random attempt outcomes (success, server fault, busy
/// start timeout, workflow fault, an attempt that never reports), random health changes and cancellations, and timers
/// that fire early and late by random amounts, no waiting item is ever stranded (nothing pending could release it), and
/// every item ends exactly once.
/// </summary>
public sealed class PoolSchedulerLivenessFuzzTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(50);

    public static TheoryData<int> Seeds()
    {
        var seeds = new TheoryData<int>();
        for (var seed = 1; seed <= 200; seed++)
        {
            seeds.Add(seed);
        }

        return seeds;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public async Task RandomFaultsAndSkewedTimers_NoItemStrandedAndEveryItemEndsOnce(int seed)
    {
        var random = new Random(seed);
        var chaos = true;
        using var h = new PoolSchedulerHarness(
            new PoolSchedulerOptions { CooldownThreshold = random.Next(0, 3), CooldownPeriod = TimeSpan.FromSeconds(random.Next(1, 10)) },
            SkewedTimerScheduler.Jittery(random));
        var servers = Enumerable.Range(0, random.Next(1, 4)).Select(i => h.Add($"s{i}", capacity: random.Next(1, 3))).ToList();
        h.Behaviour = _ => Behave(h, random, chaos);

        var outcomes = new Dictionary<string, Task<PoolItemOutcome>>();
        var endings = new Dictionary<string, int>();
        var endingsCounted = new List<Task>();
        var itemCount = random.Next(5, 25);
        for (var i = 0; i < itemCount; i++)
        {
            var id = $"j{i}";
            var outcome = h.Submit(id, priority: random.Next(0, 3), hash: $"h{random.Next(0, 3)}", maxAttempts: random.Next(1, 5));
            outcomes[id] = outcome;
            endingsCounted.Add(outcome.ContinueWith(
                _ =>
                {
                    lock (endings)
                    {
                        endings[id] = endings.GetValueOrDefault(id) + 1;
                    }
                },
                TaskScheduler.Default));
        }

        // Chaos: health flaps and cancellations while attempts succeed, fail, wait or hang.
        for (var t = 0; t < 400; t++)
        {
            switch (random.Next(0, 40))
            {
                case 0:
                    h.Pool.SetHealth(servers[random.Next(servers.Count)], ServerHealth.Dead);
                    break;
                case 1:
                    h.Pool.SetHealth(servers[random.Next(servers.Count)], ServerHealth.Unhealthy);
                    break;
                case 2 or 3 or 4:
                    h.Pool.SetHealth(servers[random.Next(servers.Count)], ServerHealth.Healthy);
                    break;
                case 5:
                    h.Pool.Cancel($"j{random.Next(0, itemCount)}");
                    break;
            }

            h.Clock.AdvanceBy(Step.Ticks);
            AssertNoneStranded(h, seed);
        }

        // Calm: every server healthy, hung attempts abandoned (their server "dies" and comes back), every attempt succeeds.
        chaos = false;
        foreach (var server in servers)
        {
            h.Pool.SetHealth(server, ServerHealth.Dead);
            h.Pool.SetHealth(server, ServerHealth.Healthy);
        }

        for (var t = 0; t < 4000 && outcomes.Values.Any(o => !o.IsCompleted); t++)
        {
            h.Clock.AdvanceBy(Step.Ticks);
            AssertNoneStranded(h, seed);
        }

        Assert.All(outcomes, o => Assert.True(o.Value.IsCompleted, $"seed {seed}: item {o.Key} never ended"));
        await Task.WhenAll(endingsCounted).WaitAsync(TimeSpan.FromSeconds(10));
        lock (endings)
        {
            Assert.Equal(itemCount, endings.Count);
            Assert.All(endings, e => Assert.Equal(1, e.Value));
        }

        // One attempt at a time per item: a new attempt starts only after the previous one was let go.
        Assert.DoesNotContain(h.Starts, s => s.OverlapsPrevious);
    }

    private static void AssertNoneStranded(PoolSchedulerHarness h, int seed)
    {
        var stranded = h.Pool.FindStrandedItems();
        Assert.True(stranded.Count == 0, $"seed {seed}, {h.Clock.Now:HH:mm:ss.fff}: stranded " + string.Join("; ", stranded));
    }

    private static IObservable<AttemptOutcome> Behave(PoolSchedulerHarness h, Random random, bool chaos)
    {
        var after = TimeSpan.FromMilliseconds(random.Next(0, 800));
        if (!chaos)
        {
            return Observable.Timer(after, h.Clock).Select(_ => AttemptOutcome.Success);
        }

        return random.Next(0, 10) switch
        {
            0 or 1 or 2 => Observable.Timer(after, h.Clock).Select(_ => AttemptOutcome.Success),
            3 or 4 => Observable.Timer(after, h.Clock).Select(_ => AttemptOutcome.Failure(new ComfyConnectionException("refused"))),
            5 or 6 => Observable.Timer(after, h.Clock).Select(_ => AttemptOutcome.Failure(
                new ComfyTimeoutException("start", TimeSpan.FromSeconds(1), "busy") { ServerBusy = true })),
            7 => Observable.Timer(after, h.Clock).Select(_ => AttemptOutcome.Failure(
                new ComfyTimeoutException("inactivity", TimeSpan.FromSeconds(1), "hung node"))),
            8 => Observable.Timer(after, h.Clock).Select(_ => AttemptOutcome.Failure(new ComfyPromptValidationException("bad"))),
            _ => Observable.Never<AttemptOutcome>(),
        };
    }
}
