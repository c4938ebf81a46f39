using System.Text.Json.Nodes;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Tests.Workflows;

/// <summary>Each code block of docs/workflows.md, compiled and run (file names point at the fixtures).</summary>
public class DocsExamplesTests
{
    private static readonly string Txt2ImgPath = WorkflowFixtures.Path_("txt2img_sd15.json");
    private static readonly string ObjectInfoPath = Path.Combine(WorkflowFixtures.Root, "rest", "object_info.json");

    [Fact]
    public void LoadAndTweak_Example()
    {
        var workflow = Workflow.Load(Txt2ImgPath)
            .Set("6.inputs.text", "a lighthouse at dusk, oil painting")
            .SetByTitle("CLIP Text Encode (Negative Prompt)", "text", "blurry")
            .SetByClass("KSampler", "steps", 30)
            .Set("3.inputs.seed", -1)
            .Output("images", "9");

        Assert.Equal("a lighthouse at dusk, oil painting", (string?)workflow.Get("6.inputs.text"));
        Assert.Equal("blurry", (string?)workflow.Get("7.inputs.text"));
        Assert.Equal(30, (int?)workflow.Get("3.inputs.steps"));
        Assert.True(workflow.HasRandomSeeds);
        Assert.Equal("9", workflow.Outputs["images"]);

        var batch = workflow.Set(new Dictionary<string, JsonNode?> { ["6.inputs.text"] = "cat", ["5.inputs.width"] = 768 });
        Assert.Equal(768, (int?)batch.Get("5.inputs.width"));
    }

    [Fact]
    public void Seeds_Example()
    {
        var random = Workflow.Load(Txt2ImgPath).RandomizeSeeds();
        string first = random.ToPromptJson();
        string second = random.ToPromptJson();

        Assert.NotEqual((long)JsonNode.Parse(first)!["3"]!["inputs"]!["seed"]!, (long)JsonNode.Parse(second)!["3"]!["inputs"]!["seed"]!);
    }

    [Fact]
    public void Bypass_Example()
    {
        var catalog = NodeSchemaCatalog.Parse(File.ReadAllText(ObjectInfoPath));
        var noBlur = Workflow.Load(WorkflowFixtures.Path_("scale_blur_sharpen_mask.json")).Bypass("3", catalog);

        Assert.Equal("""["2",0]""", noBlur.Get("4.inputs.image")!.ToJsonString());
    }

    [Fact]
    public void Builder_Example()
    {
        var catalog = NodeSchemaCatalog.Parse(File.ReadAllText(ObjectInfoPath));

        var builder = new WorkflowBuilder(catalog);
        var ckpt = builder.AddNode("CheckpointLoaderSimple", "Load Checkpoint").Set("ckpt_name", "v1-5-pruned-emaonly.safetensors");
        var positive = builder.AddNode("CLIPTextEncode").Set("text", "a cat").Connect("clip", ckpt.Output("CLIP"));
        var negative = builder.AddNode("CLIPTextEncode").Set("text", "blurry").Connect("clip", ckpt.Output(1));
        var latent = builder.AddNode("EmptyLatentImage").Set("width", 512).Set("height", 512).Set("batch_size", 1);
        var sampler = builder.AddNode("KSampler")
            .Set("seed", -1).Set("steps", 20).Set("cfg", 7.5).Set("sampler_name", "euler").Set("scheduler", "normal").Set("denoise", 1.0)
            .Connect("model", ckpt.Output("MODEL")).Connect("positive", positive.Output(0))
            .Connect("negative", negative.Output(0)).Connect("latent_image", latent.Output("LATENT"));
        var decode = builder.AddNode("VAEDecode").Connect("samples", sampler.Output(0)).Connect("vae", ckpt.Output("VAE"));
        var save = builder.AddNode("SaveImage").Set("filename_prefix", "built").Connect("images", decode.Output(0));
        Workflow built = builder.Build().Output("images", save.Id);

        Assert.Equal(7, built.Count);
        Assert.Equal("7", built.Outputs["images"]);
        var withCheckpoint = catalog.WithComboOptions("CheckpointLoaderSimple", "ckpt_name", ["v1-5-pruned-emaonly.safetensors"]);
        Assert.True(built.Validate(withCheckpoint).IsValid);
        Assert.Equal("Load Checkpoint", built.GetTitle("1"));
        Assert.Equal("CLIP Text Encode (Prompt)", built.GetTitle("2"));
    }

    [Fact]
    public void EditorFormat_Example()
    {
        var catalog = NodeSchemaCatalog.Parse(File.ReadAllText(ObjectInfoPath));

        var fromApi = Workflow.Load(Txt2ImgPath, catalog);
        var fromUi = Workflow.Load(Path.Combine(WorkflowFixtures.Root, "workflows", "editor", "lora__lora_multiple.ui.json"), catalog);

        Assert.Equal(Workflow.Load(Txt2ImgPath).ToJson(), fromApi.ToJson());
        Assert.Equal("LoraLoader", fromUi.GetClassType("10"));
    }

    [Fact]
    public void Validate_Example()
    {
        var catalog = NodeSchemaCatalog.Parse(File.ReadAllText(ObjectInfoPath));
        var workflow = Workflow.Load(Txt2ImgPath);
        var lines = new List<string>();

        WorkflowValidationResult result = workflow.Validate(catalog);
        if (!result.IsValid)
        {
            foreach (var (nodeId, node) in result.NodeErrors)
            {
                lines.Add($"{nodeId} {node.ClassType}: {string.Join("; ", node.Errors)}");
            }
        }

        var ex = Assert.Throws<ComfyPromptValidationException>(() => workflow.EnsureValid(catalog));
        Assert.Equal(
            "4 CheckpointLoaderSimple: value_not_in_list: Value not in list (ckpt_name: 'v1-5-pruned-emaonly.safetensors' not in [])",
            Assert.Single(lines));
        Assert.Contains("Node 4 (CheckpointLoaderSimple)", ex.Message, StringComparison.Ordinal);
    }
}
