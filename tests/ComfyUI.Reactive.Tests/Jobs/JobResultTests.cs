using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Tests.Jobs;

public sealed class JobResultTests
{
    private static readonly JobTimings Timings = new(DateTimeOffset.UnixEpoch, null, DateTimeOffset.UnixEpoch, new Dictionary<string, TimeSpan>());

    private static JobResult Result(IReadOnlyDictionary<string, JobOutput> aliases)
    {
        var api = new ComfyApi(new ComfyClientOptions { BaseAddress = new Uri("http://comfy.test:8188/") });
        var output = new JobOutput(api, "9", "SaveImage", null, null);
        return new JobResult("p1", new Dictionary<string, JobOutput> { ["9"] = output }, aliases, new Dictionary<string, NodeValidationError>(), Timings);
    }

    [Fact]
    public void Indexer_UnknownNameWithoutAliases_SaysNoneInsteadOfAnEmptyList()
    {
        var error = Assert.Throws<KeyNotFoundException>(() => Result(new Dictionary<string, JobOutput>())["nope"]);

        Assert.Equal(
            "The job has no output 'nope'. Outputs (node ids): '9'; aliases: none (name an output with Workflow.Output(alias, nodeId)).",
            error.Message);
        Assert.DoesNotContain("aliases: .", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Indexer_UnknownNameWithAliases_ListsBothQuoted()
    {
        var result = Result(new Dictionary<string, JobOutput>());
        var withAlias = Result(new Dictionary<string, JobOutput> { ["image"] = result["9"] });

        var error = Assert.Throws<KeyNotFoundException>(() => withAlias["nope"]);

        Assert.Equal("The job has no output 'nope'. Outputs (node ids): '9'; aliases: 'image'.", error.Message);
    }
}
