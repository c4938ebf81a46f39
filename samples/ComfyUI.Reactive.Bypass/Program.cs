// Node bypass: runs one filter chain twice, as exported and with its blur node bypassed (ComfyUI's "Bypass" mode,
// Ctrl+B in the editor): the bypassed node's consumers are rewired to its input, so it never runs.
//
//   dotnet run --project samples/ComfyUI.Reactive.Bypass          embedded emulator
//   COMFYUI_URL=http://127.0.0.1:8188 dotnet run --project samples/ComfyUI.Reactive.Bypass
using System.Reactive.Linq;
using System.Reflection;
using ComfyUI.Reactive;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Workflows;

await using var emulator = Environment.GetEnvironmentVariable("COMFYUI_URL") is { Length: > 0 }
    ? null
    : await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.Zero });
var address = emulator?.BaseAddress ?? new Uri(Environment.GetEnvironmentVariable("COMFYUI_URL")!);
await using var comfy = new ComfyClient(address);

var filters = Workflow.Parse(Assembly.GetExecutingAssembly().GetManifestResourceStream("filters.json")!).Output("image", "5");

// With the server's node schemas the rewiring follows declared types, exactly as the editor does; without them it
// takes the node's linked inputs in order. Bypass by title here; FindByClass or a node id work the same.
var schema = await comfy.GetNodeSchemaCatalogAsync();
var blur = Single(filters.FindByTitle("Blur"));
var withoutBlur = filters.Bypass(blur, schema)
    .Set("5.inputs.filename_prefix", "filtered_no_blur");

try
{
    foreach (var (name, workflow) in new[] { ("as exported", filters), ("blur bypassed", withoutBlur) })
    {
        var ran = new List<string>();
        var cached = new List<string>();
        var result = await comfy.Run(workflow)
            .Do(update =>
            {
                switch (update)
                {
                    case JobNodeStarted node:
                        ran.Add(node.ClassType ?? node.NodeId);
                        break;
                    case JobCached hit:   // nodes whose inputs did not change come from the server's cache: the second run reuses them
                        cached.AddRange(hit.Nodes.Select(id => workflow.GetClassType(id) ?? id));
                        break;
                }
            })
            .OfType<JobCompleted>()
            .Select(completed => completed.Result);

        var saved = await result["image"].Images[0].DownloadAsync("output", overwrite: true);
        Console.WriteLine($"{name}: cached {(cached.Count == 0 ? "nothing" : string.Join(", ", cached.Order(StringComparer.Ordinal)))}; ran {string.Join(" -> ", ran)}; saved {saved}");
    }

    return 0;
}
catch (ComfyException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}

static string Single(IReadOnlyList<string> matches) =>
    matches is [var only] ? only : throw new InvalidOperationException($"expected one node, found {matches.Count}");
