using ComfyUI.Reactive.Pooling;
using ComfyUI.Reactive.Tests.Workflows;

namespace ComfyUI.Reactive.Tests.Pooling;

/// <summary>What <see cref="ComfyPool.Run"/> extracts as a job's requirements, and when it reuses them.</summary>
public sealed class PoolRequirementsTests : IAsyncLifetime
{
    private readonly ComfyPool _pool = new(new ComfyPoolOptions { CapabilityRefreshInterval = null });

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _pool.DisposeAsync().AsTask();

    [Fact]
    public void Run_ValueEditsOfOneTemplate_ShareOneSetOfRequirements()
    {
        // The batch pattern: a new prompt per job. Extracting (and hashing the key) once is enough.
        var template = WorkflowFixtures.Load("txt2img_sd15.json");

        var first = _pool.Run(template.Set("6.inputs.text", "a lighthouse"));
        var second = _pool.Run(template.Set("6.inputs.text", "a harbour"));

        Assert.Same(first.Requirements, second.Requirements);
        Assert.Equal(WorkflowRequirements.From(template).Key, second.Requirements.Key);
    }

    [Fact]
    public void Run_OtherStructureOrTags_GetsItsOwnRequirements()
    {
        var template = WorkflowFixtures.Load("txt2img_sd15.json");
        var plain = _pool.Run(template.Set("6.inputs.text", "a"));

        var otherModel = _pool.Run(template.Set("4.inputs.ckpt_name", "other.safetensors").Set("6.inputs.text", "b"));
        var tagged = _pool.Run(template.Set("6.inputs.text", "c"), new PoolJobOptions { Tags = ["gpu"] });
        var plainAgain = _pool.Run(template.Set("6.inputs.text", "d"));

        Assert.Equal(["other.safetensors"], otherModel.Requirements.Checkpoints);
        Assert.Equal(["gpu"], tagged.Requirements.Tags);
        Assert.Empty(plainAgain.Requirements.Tags);
        Assert.Equal(plain.Requirements.Key, plainAgain.Requirements.Key);
        Assert.NotEqual(plain.Requirements.Key, otherModel.Requirements.Key);
        Assert.NotEqual(plain.Requirements.Key, tagged.Requirements.Key);
    }
}
