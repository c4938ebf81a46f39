// Ten text-to-image jobs composed with LINQ: at most four on the server at a time, one overall progress bar,
// previews thinned to one a second, a timeout per job and a retry (a retry of a cold job is a new submission).
//
//   dotnet run --project samples/ComfyUI.Reactive.ProgressPipeline          embedded emulator
//   COMFYUI_URL=http://127.0.0.1:8188 dotnet run --project samples/ComfyUI.Reactive.ProgressPipeline
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using System.Reflection;
using ComfyUI.Reactive;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Workflows;

await using var emulator = Environment.GetEnvironmentVariable("COMFYUI_URL") is { Length: > 0 }
    ? null
    : await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.FromMilliseconds(15) });
var address = emulator?.BaseAddress ?? new Uri(Environment.GetEnvironmentVariable("COMFYUI_URL")!);
await using var comfy = new ComfyClient(address);

var txt2img = Workflow.Parse(Assembly.GetExecutingAssembly().GetManifestResourceStream("txt2img_sd15.json")!)
    .Set("5.inputs.width", 256)
    .Set("5.inputs.height", 256)
    .Set("3.inputs.steps", 12)
    .RandomizeSeeds();

string[] subjects =
[
    "a red fox", "a lighthouse", "a paper boat", "an owl at night", "a desert city",
    "a glass apple", "a snowy cabin", "a koi pond", "a steam train", "a moon garden",
];

var options = new JobOptions
{
    OverallTimeout = TimeSpan.FromMinutes(5),          // per attempt; a timed-out job is cancelled on the server
    PreviewInterval = TimeSpan.FromMilliseconds(250),  // each job forwards at most four previews a second
};

// Each job is cold: nothing is submitted until Merge subscribes to it, and Retry resubmits a failed one.
var updates = subjects
    .Select((subject, index) => comfy
        .Run(txt2img.Set("6.inputs.text", $"{subject}, watercolor"), options)
        .Retry(2)
        .Select(update => (Index: index, Update: update)))
    .Merge(maxConcurrent: 4)
    .Publish();

var fractions = new double[subjects.Length];
var overallEnded = updates
    .Where(x => x.Update is JobProgress or JobCompleted)
    .Select(x =>
    {
        fractions[x.Index] = x.Update is JobProgress p ? p.Fraction : 1.0;
        return fractions.Average();
    })
    // Sampling alone would drop the final value (the last tick comes after the end): merge it in, so a log ends at 100 %.
    .Publish(overall => overall.Sample(TimeSpan.FromMilliseconds(200)).Merge(overall.LastOrDefaultAsync()))
    .DistinctUntilChanged()
    .Do(f => Console.WriteLine($"overall [{new string('#', (int)(f * 40)),-40}] {f,4:P0}"))
    .LastOrDefaultAsync()
    .ToTask();

var previews = updates
    .Where(x => x.Update is JobPreview)
    .Sample(TimeSpan.FromSeconds(1))
    .Subscribe(x => Console.WriteLine($"  preview from job {x.Index} ({subjects[x.Index]})"));

var results = updates
    .Where(x => x.Update is JobCompleted)
    .Select(x => (x.Index, ((JobCompleted)x.Update).Result))
    .Do(x => Console.WriteLine($"  done: {subjects[x.Index]} -> {string.Join(", ", x.Result.Images)}"))
    .ToList()
    .ToTask();

using (previews)
using (updates.Connect())
{
    var all = await results;
    await overallEnded;
    Console.WriteLine($"{all.Count} of {subjects.Length} jobs completed.");
    return all.Count == subjects.Length ? 0 : 1;
}
