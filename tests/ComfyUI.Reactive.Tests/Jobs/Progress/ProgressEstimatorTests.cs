using ComfyUI.Reactive.Jobs.Progress;
using ComfyUI.Reactive.Tests.Workflows;
using ComfyUI.Reactive.Workflows;
using Microsoft.Reactive.Testing;

namespace ComfyUI.Reactive.Tests.Jobs.Progress;

public sealed class ProgressEstimatorTests
{
    // The SD 1.5 txt2img graph in execution order: checkpoint, two prompts, latent, sampler (3), decode, save.
    private static readonly string[] Txt2Img = ["4", "6", "7", "5", "3", "8", "9"];
    private readonly TestScheduler _clock = new();

    private void Advance(double seconds) => _clock.AdvanceBy(TimeSpan.FromSeconds(seconds).Ticks);

    private static void RunNodes(ProgressEstimator estimator, params string[] ids)
    {
        foreach (var id in ids)
        {
            estimator.OnNodeStarted(id);
        }
    }

    [Fact]
    public void Fraction_ExpectedSamplerSteps_TheSamplerCoversItsStepsShareOfTheBar()
    {
        var estimator = new ProgressEstimator(Txt2Img, _clock, new Dictionary<string, double> { ["3"] = 20 });

        RunNodes(estimator, "4", "6", "7", "5", "3");
        var beforeSampler = estimator.Fraction;
        estimator.OnProgress("3", 10, 20);
        var halfway = estimator.Fraction;
        estimator.OnProgress("3", 20, 20);
        estimator.OnNodeStarted("8");
        var afterSampler = estimator.Fraction;

        // 6 one-unit nodes and 20 steps: the sampler is 20/26 of the work, not 1/7 (0.579 -> 0.714 before).
        Assert.Equal(4.0 / 26, beforeSampler, 6);
        Assert.Equal(14.0 / 26, halfway, 6);
        Assert.Equal(24.0 / 26, afterSampler, 6);
        Assert.True(afterSampler - beforeSampler > 0.75);
    }

    [Fact]
    public void Fraction_StepsFirstKnownWhenReported_HoldsInsteadOfGoingBackThenRises()
    {
        var estimator = new ProgressEstimator(Txt2Img, _clock);
        RunNodes(estimator, "4", "6", "7", "5", "3");
        var before = estimator.Fraction;   // 4 of 7 units

        estimator.OnProgress("3", 1, 20);  // now 5 of 26: held
        Assert.Equal(before, estimator.Fraction);

        var seen = new List<double>();
        for (var step = 2; step <= 20; step++)
        {
            estimator.OnProgress("3", step, 20);
            seen.Add(estimator.Fraction);
        }

        Assert.Equal(seen.Order(), seen);
        Assert.Equal(24.0 / 26, seen[^1], 6);
        Assert.True(seen[^1] < 1);
    }

    [Fact]
    public void Fraction_CachedNodes_WeighNothing()
    {
        var estimator = new ProgressEstimator(Txt2Img, _clock, new Dictionary<string, double> { ["3"] = 20 });

        estimator.OnCached(["4", "6", "7", "5", "unknown"]);
        estimator.OnNodeStarted("3");
        estimator.OnProgress("3", 10, 20);

        Assert.Equal(10.0 / 22, estimator.Fraction, 6);
        Assert.DoesNotContain("4", estimator.MeasuredCosts.Keys);
    }

    [Fact]
    public void Fraction_Completed_IsOneAndRemainingZero()
    {
        var estimator = new ProgressEstimator(Txt2Img, _clock);
        RunNodes(estimator, "4", "6");
        Assert.True(estimator.Fraction < 1);

        estimator.OnCompleted();

        Assert.Equal(1, estimator.Fraction);
        Assert.Equal(TimeSpan.Zero, estimator.EstimatedRemaining);
    }

    [Fact]
    public void EstimatedRemaining_NoHistory_UnknownUntilMeasuredThenFromTheRunsOwnRates()
    {
        var estimator = new ProgressEstimator(["a", "s", "c"], _clock, new Dictionary<string, double> { ["s"] = 10 });
        estimator.OnStarted();
        estimator.OnNodeStarted("a");
        Assert.Null(estimator.EstimatedRemaining);          // nothing measured, nothing learnt

        Advance(1);
        estimator.OnNodeStarted("s");                        // a: 1 unit in 1 s
        Assert.Equal(TimeSpan.FromSeconds(11), estimator.EstimatedRemaining);

        for (var step = 1; step <= 5; step++)
        {
            Advance(2);                                      // the sampler is slower than a: 2 s a step
            estimator.OnProgress("s", step, 10);
        }

        // Sampler: 5 steps at its own 2 s each; c: 1 unit at the run's rate (11 s for 6 units).
        Assert.Equal(10 + (11.0 / 6), estimator.EstimatedRemaining!.Value.TotalSeconds, 6);
    }

    [Fact]
    public void EstimatedRemaining_LearntCosts_AreScaledByThisRunsSpeed()
    {
        var learnt = new Dictionary<string, NodeCost>
        {
            ["a"] = new(TimeSpan.FromSeconds(2), 0),
            ["s"] = new(TimeSpan.FromSeconds(8), 10),
            ["c"] = new(TimeSpan.FromSeconds(2), 0),
        };
        var estimator = new ProgressEstimator(["a", "s", "c"], _clock, learnt: learnt);
        estimator.OnNodeStarted("a");
        Assert.Equal(TimeSpan.FromSeconds(12), estimator.EstimatedRemaining);   // learnt, before anything is measured

        Advance(4);                                          // twice as slow as learnt
        estimator.OnNodeStarted("s");

        Assert.Equal(TimeSpan.FromSeconds(20), estimator.EstimatedRemaining);
        Assert.Equal(2.0 / 12, estimator.Fraction, 6);
    }

    [Fact]
    public void Weights_LearntStepNode_ScaleWithThisRunsSteps_UnknownNodesWeighTheMedian()
    {
        var learnt = new Dictionary<string, NodeCost>
        {
            ["a"] = new(TimeSpan.FromSeconds(1), 0),
            ["s"] = new(TimeSpan.FromSeconds(8), 10),
            ["c"] = new(TimeSpan.FromSeconds(3), 0),
        };
        var estimator = new ProgressEstimator(["a", "s", "c", "new"], _clock, new Dictionary<string, double> { ["s"] = 20 }, learnt);

        RunNodes(estimator, "a", "s", "c");

        // a 1 + s 16 (8 s at 10 steps, now 20) done, c running (no time elapsed), new: median 3.
        Assert.Equal(17.0 / 23, estimator.Fraction, 6);
    }

    [Fact]
    public void RunningNodeWithoutSteps_WithALearntDuration_AdvancesWithTimeButStopsShortOfItsEnd()
    {
        var learnt = new Dictionary<string, NodeCost> { ["a"] = new(TimeSpan.FromSeconds(10), 0), ["b"] = new(TimeSpan.FromSeconds(10), 0) };
        var estimator = new ProgressEstimator(["a", "b"], _clock, learnt: learnt);
        estimator.OnNodeStarted("a");

        Advance(5);
        Assert.Equal(0.25, estimator.Fraction, 6);
        Advance(100);
        Assert.Equal(0.45, estimator.Fraction, 6);
    }

    [Fact]
    public void MeasuredCosts_AfterCompletion_HoldTheDurationAndStepsOfEachNodeThatRan()
    {
        var estimator = new ProgressEstimator(["a", "s", "c"], _clock);
        estimator.OnCached(["c"]);
        estimator.OnNodeStarted("a");
        Advance(1.5);
        estimator.OnNodeStarted("s");
        Advance(4);
        estimator.OnProgress("s", 20, 20);
        estimator.OnCompleted();

        Assert.Equal(
            new Dictionary<string, NodeCost> { ["a"] = new(TimeSpan.FromSeconds(1.5), 0), ["s"] = new(TimeSpan.FromSeconds(4), 20) },
            estimator.MeasuredCosts);
    }

    [Fact]
    public void ExpectedSteps_Txt2Img_ReadsTheSamplersNumericStepsOnly()
    {
        var workflow = Workflow.Parse(WorkflowFixtures.Text("txt2img_sd15.json")).SetByClass("KSampler", "steps", 30);

        Assert.Equal(new Dictionary<string, double> { ["3"] = 30 }, ProgressEstimator.ExpectedSteps(workflow));
    }

    [Fact]
    public void History_LearntThenUsed_TheSecondRunKnowsItsRemainingTimeBeforeAnythingIsMeasured()
    {
        var history = new InMemoryProgressHistory();
        var first = new ProgressEstimator(["a", "s"], _clock);
        first.OnNodeStarted("a");
        Advance(1);
        first.OnNodeStarted("s");
        Advance(3);
        first.OnProgress("s", 10, 10);
        first.OnCompleted();
        history.Record("hash", first.MeasuredCosts);

        var second = new ProgressEstimator(["a", "s"], _clock, new Dictionary<string, double> { ["s"] = 20 }, history.Find("hash"));
        second.OnStarted();

        Assert.Equal(TimeSpan.FromSeconds(7), second.EstimatedRemaining);   // 1 s + 3 s for 10 steps, now 20
        Assert.Null(history.Find("other"));
    }
}

public sealed class InMemoryProgressHistoryTests
{
    [Fact]
    public void Record_Twice_BlendsEvenlyPerStep()
    {
        var history = new InMemoryProgressHistory();
        history.Record("h", new Dictionary<string, NodeCost> { ["s"] = new(TimeSpan.FromSeconds(10), 10), ["a"] = new(TimeSpan.FromSeconds(2), 0) });

        history.Record("h", new Dictionary<string, NodeCost> { ["s"] = new(TimeSpan.FromSeconds(40), 20), ["a"] = new(TimeSpan.FromSeconds(4), 0) });

        var costs = history.Find("h")!;
        Assert.Equal(new NodeCost(TimeSpan.FromSeconds(30), 20), costs["s"]);   // (1 s + 2 s) / 2 per step, at 20 steps
        Assert.Equal(new NodeCost(TimeSpan.FromSeconds(3), 0), costs["a"]);
    }

    [Fact]
    public void Record_BeyondCapacity_DropsTheLeastRecentlyUsedWorkflow()
    {
        var history = new InMemoryProgressHistory(capacity: 2);
        var cost = new Dictionary<string, NodeCost> { ["a"] = new(TimeSpan.FromSeconds(1), 0) };
        history.Record("old", cost);
        history.Record("used", cost);
        Assert.NotNull(history.Find("old"));                 // now "used" is the least recent

        history.Record("new", cost);

        Assert.NotNull(history.Find("old"));
        Assert.Null(history.Find("used"));
        Assert.NotNull(history.Find("new"));
    }
}
