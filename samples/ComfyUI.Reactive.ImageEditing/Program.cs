// Image editing: uploads an input picture with the job (JobOptions.Attachments), feeds it to a LoadImage node, scales
// and inverts it, and saves the result.
//
//   dotnet run --project samples/ComfyUI.Reactive.ImageEditing                      embedded emulator, bundled picture
//   dotnet run --project samples/ComfyUI.Reactive.ImageEditing -- --image photo.png  your own picture
//   COMFYUI_URL=http://127.0.0.1:8188 dotnet run --project samples/ComfyUI.Reactive.ImageEditing
using System.Reactive.Linq;
using System.Reflection;
using ComfyUI.Reactive;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Workflows;

string? imagePath = args is ["--image", var given] ? given : null;
if (args.Length > 0 && imagePath is null)
{
    Console.Error.WriteLine("Usage: [--image picture.png]");
    return 64;
}

if (imagePath is not null && !File.Exists(imagePath))
{
    Console.Error.WriteLine($"No picture at {Path.GetFullPath(imagePath)}.");
    return 66;
}

await using var emulator = Environment.GetEnvironmentVariable("COMFYUI_URL") is { Length: > 0 }
    ? null
    : await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.Zero });
var address = emulator?.BaseAddress ?? new Uri(Environment.GetEnvironmentVariable("COMFYUI_URL")!);
await using var comfy = new ComfyClient(address);

// LoadImage (node 1) reads a file from the server's input folder. The attachment uploads the picture before the prompt
// is submitted and writes the name the server stored it under into 1.inputs.image (the server may rename it).
var attachment = imagePath is null
    ? JobAttachment.FromBytes("1.inputs.image", "example.png", await ReadResourceAsync("input.png"))
    : JobAttachment.FromFile("1.inputs.image", imagePath);
var workflow = Workflow.Parse(Assembly.GetExecutingAssembly().GetManifestResourceStream("edit_image.json")!)
    .SetByClass("ImageScale", "width", 256)
    .SetByClass("ImageScale", "height", 256)
    .Output("edited", "4");

try
{
    var result = await comfy.Run(workflow, new JobOptions { Attachments = [attachment] })
        .Do(update =>
        {
            if (update is JobNodeStarted node)
            {
                Console.WriteLine($"running {node.Title ?? node.ClassType}");
            }
        })
        .OfType<JobCompleted>()
        .Select(completed => completed.Result);

    Console.WriteLine($"uploaded {attachment.FileName} and edited it in {result.Timings.Execution?.TotalMilliseconds:0} ms");
    var saved = await result["edited"].Images[0].DownloadToFileAsync(Path.Combine("output", "edited.png"), overwrite: true);
    Console.WriteLine($"saved {saved}");
    return 0;
}
catch (ComfyException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 1;
}

static async Task<byte[]> ReadResourceAsync(string name)
{
    await using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)!;
    using var copy = new MemoryStream();
    await stream.CopyToAsync(copy);
    return copy.ToArray();
}
