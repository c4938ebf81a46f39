using ComfyUI.Reactive.Pooling;
using ComfyUI.Reactive.Tests.Workflows;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Tests.Pooling;

public sealed class CapabilityMatcherTests
{
    private const string Checkpoint = "v1-5-pruned-emaonly.safetensors";

    private static ServerCapabilities WithCheckpoint(string file, IEnumerable<string>? tags = null) =>
        new(WorkflowFixtures.Catalog.WithComboOptions("CheckpointLoaderSimple", "ckpt_name", [file]), tags: tags);

    [Fact]
    public void From_Txt2Img_ExtractsClassTypesAndCheckpoint()
    {
        var requirements = WorkflowRequirements.From(WorkflowFixtures.Load("txt2img_sd15.json"), ["gpu", "gpu", "big"]);

        Assert.Contains("KSampler", requirements.ClassTypes);
        Assert.Contains("CheckpointLoaderSimple", requirements.ClassTypes);
        Assert.Equal(requirements.ClassTypes.Order(StringComparer.Ordinal), requirements.ClassTypes);
        Assert.Equal([new ModelRequirement("4", "CheckpointLoaderSimple", "ckpt_name", Checkpoint)], requirements.Models);
        Assert.Equal([Checkpoint], requirements.Checkpoints);
        Assert.Equal(["big", "gpu"], requirements.Tags);
    }

    [Fact]
    public void KeyAndCheckpoints_OfACopyWithOtherLists_AreTheCopysOwn()
    {
        // Both are computed once and kept; a `with` copy shares the kept values, which must not leak into it.
        var txt2img = WorkflowRequirements.From(WorkflowFixtures.Load("txt2img_sd15.json"));
        var key = txt2img.Key;
        Assert.Equal([Checkpoint], txt2img.Checkpoints);

        var tagged = txt2img with { Tags = ["gpu"] };
        var otherModel = txt2img with { Models = [new ModelRequirement("4", "CheckpointLoaderSimple", "ckpt_name", "other.safetensors")] };

        Assert.Equal(WorkflowRequirements.From(WorkflowFixtures.Load("txt2img_sd15.json"), ["gpu"]).Key, tagged.Key);
        Assert.NotEqual(key, tagged.Key);
        Assert.NotEqual(key, otherModel.Key);
        Assert.Equal(["other.safetensors"], otherModel.Checkpoints);
        Assert.Same(txt2img.Key, txt2img.Key);
        Assert.Same(txt2img.Checkpoints, txt2img.Checkpoints);
    }

    [Fact]
    public void Key_SameNeedsDifferentNodeIds_EqualAndChangesWithModelOrTag()
    {
        var a = WorkflowRequirements.From(Workflow.Parse(
            """{"1":{"class_type":"CheckpointLoaderSimple","inputs":{"ckpt_name":"a.safetensors"}}}"""));
        var sameOtherId = WorkflowRequirements.From(Workflow.Parse(
            """{"9":{"class_type":"CheckpointLoaderSimple","inputs":{"ckpt_name":"a.safetensors"}}}"""));
        var otherModel = WorkflowRequirements.From(Workflow.Parse(
            """{"1":{"class_type":"CheckpointLoaderSimple","inputs":{"ckpt_name":"b.safetensors"}}}"""));
        var tagged = WorkflowRequirements.From(Workflow.Parse(
            """{"1":{"class_type":"CheckpointLoaderSimple","inputs":{"ckpt_name":"a.safetensors"}}}"""), ["x"]);

        Assert.Equal(a.Key, sameOtherId.Key);
        Assert.NotEqual(a.Key, otherModel.Key);
        Assert.NotEqual(a.Key, tagged.Key);
    }

    [Fact]
    public void Match_AllClassesPresentNoModels_CanRun()
    {
        var requirements = WorkflowRequirements.From(WorkflowFixtures.Load("basic_empty_invert_save.json"));

        var match = CapabilityMatcher.Match(requirements, new ServerCapabilities(WorkflowFixtures.Catalog));

        Assert.True(match.CanRun);
        Assert.Equal("can run", match.Reason);
    }

    [Fact]
    public void Match_MissingClassType_NamesIt()
    {
        var catalog = new NodeSchemaCatalog(WorkflowFixtures.Catalog.Nodes
            .Where(n => n.Key != "ImageInvert").ToDictionary(n => n.Key, n => n.Value));
        var requirements = WorkflowRequirements.From(WorkflowFixtures.Load("basic_empty_invert_save.json"));

        var match = CapabilityMatcher.Match(requirements, new ServerCapabilities(catalog));

        Assert.False(match.CanRun);
        Assert.Equal(["ImageInvert"], match.MissingClassTypes);
        Assert.Equal("missing node types: ImageInvert", match.Reason);
    }

    [Fact]
    public void Match_CheckpointNotInServersList_NamesFileAndInput()
    {
        // The recorded server has no checkpoints at all: its ckpt_name list is an authoritative empty array.
        var requirements = WorkflowRequirements.From(WorkflowFixtures.Load("txt2img_sd15.json"));

        var match = CapabilityMatcher.Match(requirements, new ServerCapabilities(WorkflowFixtures.Catalog));

        Assert.False(match.CanRun);
        Assert.Empty(match.MissingClassTypes);
        Assert.Equal(
        $"missing model files: ckpt_name = '{Checkpoint}' (node 4, CheckpointLoaderSimple)", match.Reason);
    }

    [Fact]
    public void Match_CheckpointInComboList_CanRun()
    {
        var requirements = WorkflowRequirements.From(WorkflowFixtures.Load("txt2img_sd15.json"));

        Assert.True(CapabilityMatcher.Match(requirements, WithCheckpoint(Checkpoint)).CanRun);
        Assert.False(CapabilityMatcher.Match(requirements, WithCheckpoint("other.safetensors")).CanRun);
    }

    [Fact]
    public void Match_CheckpointOnlyInFetchedFolder_CanRun()
    {
        var requirements = WorkflowRequirements.From(WorkflowFixtures.Load("txt2img_sd15.json"));
        var capabilities = new ServerCapabilities(
            WorkflowFixtures.Catalog,
            new Dictionary<string, IReadOnlyList<string>> { ["checkpoints"] = [Checkpoint] });

        Assert.True(CapabilityMatcher.Match(requirements, capabilities).CanRun);
    }

    [Fact]
    public void Match_WindowsSeparatorsOnServer_MatchesForwardSlashes()
    {
        var requirements = WorkflowRequirements.From(Workflow.Parse(
            """{"1":{"class_type":"CheckpointLoaderSimple","inputs":{"ckpt_name":"sd15/a.safetensors"}}}"""));

        Assert.True(CapabilityMatcher.Match(requirements, WithCheckpoint(@"sd15\a.safetensors")).CanRun);
    }

    [Fact]
    public void Match_ServerStatesNoList_AssumesPresent()
    {
        // A V3 COMBO without options (filled by the UI) and a plain string input say nothing about the server's files.
        var catalog = NodeSchemaCatalog.Parse("""
            {"RemoteLoader":{"input":{"required":{"model_name":["COMBO",{}]}},"output":["MODEL"]},
             "PathLoader":{"input":{"required":{"path":["STRING",{}]}},"output":["MODEL"]}}
            """);
        var requirements = WorkflowRequirements.From(Workflow.Parse("""
            {"1":{"class_type":"RemoteLoader","inputs":{"model_name":"x.safetensors"}},
             "2":{"class_type":"PathLoader","inputs":{"path":"y.gguf"}}}
            """));

        Assert.Equal(2, requirements.Models.Count);
        Assert.True(CapabilityMatcher.Match(requirements, new ServerCapabilities(catalog)).CanRun);
    }

    [Fact]
    public void Match_V3ComboWithOptions_IsAuthoritative()
    {
        var catalog = NodeSchemaCatalog.Parse("""
            {"V3Loader":{"input":{"required":{"model_name":["COMBO",{"options":["a.safetensors"]}]}},"output":["MODEL"]}}
            """);
        var requirements = WorkflowRequirements.From(Workflow.Parse(
            """{"1":{"class_type":"V3Loader","inputs":{"model_name":"b.safetensors"}}}"""));

        var match = CapabilityMatcher.Match(requirements, new ServerCapabilities(catalog));

        Assert.Equal(["b.safetensors"], match.MissingModels.Select(m => m.File));
    }

    [Fact]
    public void Match_MissingTag_NamesIt()
    {
        var requirements = WorkflowRequirements.From(WorkflowFixtures.Load("basic_empty_invert_save.json"), ["24gb", "fast"]);
        var capabilities = new ServerCapabilities(WorkflowFixtures.Catalog, tags: ["fast"]);

        var match = CapabilityMatcher.Match(requirements, capabilities);

        Assert.Equal(["24gb"], match.MissingTags);
        Assert.Equal("missing tags: 24gb", match.Reason);
    }

    [Fact]
    public void Match_SeveralMissing_ReasonListsEachKind()
    {
        var catalog = new NodeSchemaCatalog(WorkflowFixtures.Catalog.Nodes
            .Where(n => n.Key != "KSampler").ToDictionary(n => n.Key, n => n.Value));
        var requirements = WorkflowRequirements.From(WorkflowFixtures.Load("txt2img_sd15.json"), ["t"]);

        var match = CapabilityMatcher.Match(requirements, new ServerCapabilities(catalog));

        Assert.Equal(
            $"missing node types: KSampler; missing model files: ckpt_name = '{Checkpoint}' (node 4, CheckpointLoaderSimple); missing tags: t",
            match.Reason);
    }

    [Fact]
    public void NoCapableServerException_Message_ListsEveryServersReason()
    {
        var ex = new ComfyNoCapableServerException(new Dictionary<ServerId, string>
        {
            [new ServerId("b")] = "missing tags: x",
            [new ServerId("a")] = "missing node types: Y",
        });

        Assert.Equal(
            "No server of the pool can run the workflow. a: missing node types: Y. b: missing tags: x.", ex.Message);
        Assert.Equal(2, ex.Reasons.Count);
        Assert.IsAssignableFrom<ComfyException>(ex);
    }

    [Fact]
    public void CheckpointAffinity_Choose_PrefersWarmServerElseFirst()
    {
        var requirements = WorkflowRequirements.From(WorkflowFixtures.Load("txt2img_sd15.json"));
        ServerId a = new("a"), b = new("b");
        var last = new Dictionary<ServerId, string?> { [a] = "other.safetensors", [b] = Checkpoint };

        Assert.Equal(b, CheckpointAffinity.Choose(requirements, [a, b], s => last[s]));
        Assert.Equal(a, CheckpointAffinity.Choose(requirements, [a, b], _ => null));
        Assert.Equal(Checkpoint, CheckpointAffinity.LoadedAfter(requirements));
    }
}
