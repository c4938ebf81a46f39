using System.Text;
using ComfyUI.Reactive.Events;

namespace ComfyUI.Reactive.Tests.Events;

/// <summary>The per-thread id cache behind the hot frames: same strings reused, right strings always.</summary>
public sealed class Utf8StringCacheTests
{
    [Fact]
    public void ParseText_SameIdsInConsecutiveFrames_ReusesTheStrings()
    {
        var first = (ProgressEvent)ComfyEventParser.ParseText(RecordedFrames.AtLine(3310).Json);
        var second = (ProgressEvent)ComfyEventParser.ParseText(RecordedFrames.AtLine(3310).Json);

        Assert.Same(first.PromptId, second.PromptId);
        Assert.Same(first.Node, second.Node);
    }

    [Fact]
    public void Get_MoreDistinctValuesThanItHolds_StillReturnsTheRightStrings()
    {
        // Cycling through more values than the table holds forces evictions; every answer must stay correct.
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < 40; i++)
            {
                var expected = $"node-{i}";
                Assert.Equal(expected, Utf8StringCache.Get(Encoding.UTF8.GetBytes(expected)));
            }
        }
    }

    [Fact]
    public void Get_LongAndEmptyValues_AreDecodedCorrectly()
    {
        var longValue = new string('x', 200);

        Assert.Equal(longValue, Utf8StringCache.Get(Encoding.UTF8.GetBytes(longValue)));
        Assert.Same(string.Empty, Utf8StringCache.Get([]));
    }

    [Fact]
    public async Task ParseText_ManyThreadsWithDifferentIds_NeverMixThemUp()
    {
        // One socket thread per client, several clients at once: each thread's ids must come back as its own.
        var workers = Enumerable.Range(0, 8).Select(worker => Task.Factory.StartNew(
            () =>
            {
                for (var i = 0; i < 2000; i++)
                {
                    var promptId = $"prompt-{worker}-{i % 23}";
                    var node = $"{worker}.{i % 19}";
                    var json = $$$"""{"type": "progress", "data": {"value": {{{i}}}, "max": 2000, "prompt_id": "{{{promptId}}}", "node": "{{{node}}}"}}""";
                    var progress = (ProgressEvent)ComfyEventParser.ParseText(Encoding.UTF8.GetBytes(json));
                    Assert.Equal(promptId, progress.PromptId);
                    Assert.Equal(node, progress.Node);
                    Assert.Equal(i, progress.Value);
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default));

        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromSeconds(30));
    }
}
