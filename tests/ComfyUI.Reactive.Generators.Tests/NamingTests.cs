using Microsoft.CodeAnalysis;

namespace ComfyUI.Reactive.Generators.Tests;

/// <summary>Names that are not C# identifiers, and schema shapes the snapshot has few or none of.</summary>
public sealed class NamingTests
{
    private const string Awkward = """
        {
          "Epsilon Scaling": {"input": {"required": {"model": ["MODEL"]}}, "output": ["MODEL"], "output_name": ["MODEL"], "category": "model_patches/unet"},
          "3D Loader": {"input": {"required": {"class": ["STRING", {"default": "a \"quoted\"\nline"}], "default": ["INT", {"default": 1.0}],
                                                "node": ["BOOLEAN", {"default": true}], "nodeTitle": ["FLOAT", {"default": 0.5}]},
                                   "hidden": {"prompt": "PROMPT", "unique_id": "UNIQUE_ID"}},
                        "input_order": {"required": ["class", "default", "node", "nodeTitle"]},
                        "output": ["MESH", "MESH"], "output_name": ["mesh", "mesh"], "output_is_list": [true, false], "category": "3d"},
          "my.node+v2": {"input": {"required": {"input_blocks.0": ["FLOAT", {"default": 1.0}], "input_blocks.0.": ["FLOAT", {"default": 1.0}],
                                                 "mode": [["v1-5.safetensors", "v1_5.safetensors", "", "3d", "class", "line\u2028sep\u0085\"*/"]]},
                                    "optional": {"anything": ["*", {}], "either": ["IMAGE,MASK", {}], "count": ["INT", {"forceInput": true}],
                                                 "strength": ["FLOAT", {}], "kind": ["COMBO", {"options": ["a", "b"], "default": "b"}]}},
                         "output": ["MY_TYPE"], "output_name": ["MY_TYPE"], "category": "_for_testing/types", "is_input_list": true},
          "Types": {"input": {}, "output": ["*"], "output_name": ["out"], "category": "types"},
          "Latent": {"input": {"required": {"samples": ["LATENT"]}}, "output": ["LATENT"], "output_name": ["LATENT"], "category": "latent", "output_node": true},
          "Build": {"input": {}, "output": [], "output_name": [], "category": "", "description": "</summary> \u2028 <b>bold</b> & more"}
        }
        """;

    [Fact]
    public void AwkwardNames_Generated_CompilesWithoutErrorsOrWarnings()
    {
        var (output, diagnostics, _) = GeneratorHarness.Generate(Awkward);

        Assert.Empty(diagnostics);
        var problems = GeneratorHarness.Problems(output);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void AwkwardNames_UserCode_CallsEveryNodeByItsCSharpName()
    {
        const string user = """
            using ComfyNodes;
            public static class UserGraph
            {
                public static ComfyUI.Reactive.Workflows.Workflow Build()
                {
                    var g = new ComfyGraph();
                    var loader = g._3dLoader(@class: "x", @default: 2, node_2: false, nodeTitle_2: 1.5, nodeTitle: "Loader");
                    ComfyUI.Reactive.Workflows.Typed.Output<ComfyNodes.Types.Mesh> first = loader.Mesh;
                    ComfyUI.Reactive.Workflows.Typed.Output<ComfyNodes.Types.Mesh> second = loader.Mesh_2;
                    var types = g.Types();
                    var latent = g.Latent(samples: null!);
                    ComfyUI.Reactive.Workflows.Typed.Output<ComfyNodes.Types.Latent> relabelled = latent.Latent_2;
                    var node = g.MyNodeV2(mode: ComfyNodes.ForTesting.Types.MyNodeV2.ModeOptions.V15Safetensors, inputBlocks0: 0.1, inputBlocks0_2: 0.2,
                        anything: types.Out, either: first, strength: null, kind: ComfyNodes.ForTesting.Types.MyNodeV2.KindOptions.A);
                    _ = ComfyNodes.ForTesting.Types.MyNodeV2.ModeOptions.V15Safetensors_2 + ComfyNodes.ForTesting.Types.MyNodeV2.ModeOptions._
                        + ComfyNodes.ForTesting.Types.MyNodeV2.ModeOptions._3d + ComfyNodes.ForTesting.Types.MyNodeV2.ModeOptions.Class;
                    _ = g.Build_2();
                    _ = second;
                    _ = relabelled;
                    return g.Build();
                }
            }
            """;

        var (output, _, _) = GeneratorHarness.Generate(Awkward, user);

        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
    }

    [Fact]
    public void NotJson_Generate_ReportsComfy001NamingTheFile()
    {
        var (_, diagnostics, _) = GeneratorHarness.Generate("{\"KSampler\": [1, 2");

        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal("COMFY001", diagnostic.Id);
        Assert.Contains("/project/object_info.json", diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void OtherAdditionalFiles_AreIgnored_PrefixedOnesGetTheirOwnNamespace()
    {
        var driver = GeneratorHarness.Driver(
            new TestText("/project/notes.json", "not json at all"),
            new TestText("/project/sdxl.object_info.json", "{\"Build\": {\"input\": {}, \"output\": []}}"));

        var run = driver.RunGenerators(GeneratorHarness.Compilation()).GetRunResult();

        Assert.Empty(run.Diagnostics);
        Assert.Contains(run.GeneratedTrees, t => t.FilePath.EndsWith("ComfyNodes.Sdxl.ComfyGraph.g.cs", StringComparison.Ordinal));
    }

    [Fact]
    public void ComfyNamespaceMetadata_AnyFileName_GeneratesUnderThoseNames()
    {
        var file = new TestText("/project/servers/gpu1.json", "{\"KSampler\": {\"input\": {}, \"output\": [\"LATENT\"]}}");
        var options = new TestOptions(new Dictionary<string, IReadOnlyDictionary<string, string>>
        {
            [file.Path] = new Dictionary<string, string> { ["ComfyNamespace"] = "Gpu1.Nodes", ["ComfyGraphName"] = "Gpu1Graph" },
        });
        var driver = Microsoft.CodeAnalysis.CSharp.CSharpGeneratorDriver.Create(
            [new ObjectInfoGenerator().AsSourceGenerator()], [file], GeneratorHarness.ParseOptions, options);

        driver.RunGeneratorsAndUpdateCompilation(
            GeneratorHarness.Compilation("internal static class U { internal static object M() => new Gpu1.Nodes.Gpu1Graph().KSampler().Latent; }"),
            out var output, out var diagnostics);

        Assert.Empty(diagnostics);
        Assert.Empty(GeneratorHarness.Problems(output));
    }
}
