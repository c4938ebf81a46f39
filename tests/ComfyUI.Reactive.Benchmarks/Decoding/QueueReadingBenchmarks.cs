using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Rest;

namespace ComfyUI.Reactive.Benchmarks.Decoding;

/// <summary>
/// Reading <c>GET /queue</c> (docs/benchmarks.md, "Reading the queue"): the public, complete read
/// (<see cref="ComfyApi.GetQueueAsync"/>: every item's graph parsed and kept) against the id-only read job tracking polls
/// with (<see cref="QueueIdsReader"/>), for a busy shared server: one running and 20 pending prompts of a 56-node graph
/// (the stock SD 1.5 text-to-image graph eight times over, about 12 KB of JSON each). Target: the id-only read in at most
/// half the time and a fiftieth of the allocation (every token is still read: the answer must be well-formed JSON).
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class QueueReadingBenchmarks
{
    // shared/workflows/txt2img_sd15.json.
    private const string TextToImage = """
        {"3": {"class_type": "KSampler", "inputs": {"seed": 156680208700286, "steps": 20, "cfg": 8, "sampler_name": "euler", "scheduler": "normal", "denoise": 1, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0], "latent_image": ["5", 0]}, "_meta": {"title": "KSampler"}},
         "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "v1-5-pruned-emaonly.safetensors"}, "_meta": {"title": "Load Checkpoint"}},
         "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}, "_meta": {"title": "Empty Latent Image"}},
         "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "beautiful scenery nature glass bottle landscape, purple galaxy bottle", "clip": ["4", 1]}, "_meta": {"title": "CLIP Text Encode (Positive Prompt)"}},
         "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "text, watermark", "clip": ["4", 1]}, "_meta": {"title": "CLIP Text Encode (Negative Prompt)"}},
         "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}, "_meta": {"title": "VAE Decode"}},
         "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}, "_meta": {"title": "Save Image"}}}
        """;

    private byte[] _queue = [];

    [GlobalSetup]
    public void Setup()
    {
        var node = JsonNode.Parse(TextToImage)!.AsObject();
        var graph = new JsonObject();
        for (var copy = 0; copy < 8; copy++)
        {
            foreach (var (id, value) in node)
            {
                graph[$"{copy}{id}"] = value!.DeepClone();
            }
        }

        var text = graph.ToJsonString();
        string Item(int number) => $$"""[{{number}}, "{{Guid.NewGuid()}}", {{text}}, {"client_id": "c{{number}}", "create_time": 1795617383395}, ["09"]]""";
        var pending = string.Join(", ", Enumerable.Range(2, 20).Select(Item));
        _queue = Encoding.UTF8.GetBytes($$"""{"queue_running": [{{Item(1)}}], "queue_pending": [{{pending}}]}""");
    }

    [Benchmark(Baseline = true)]
    public int Complete() => JsonSerializer.Deserialize(_queue, ComfyRestJsonContext.Default.QueueState)!.Pending.Count;

    [Benchmark]
    public int IdsOnly() => QueueIdsReader.Read(_queue).Pending.Count;
}
