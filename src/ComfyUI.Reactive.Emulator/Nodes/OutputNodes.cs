using System.Globalization;
using ComfyUI.Reactive.Emulator.Files;
using ComfyUI.Reactive.Emulator.Sockets;

namespace ComfyUI.Reactive.Emulator.Nodes;

/// <summary>Writes the UI dict <c>{"images": [{filename, subfolder, type}]}</c>.</summary>
internal static class ImagesUi
{
    public static byte[] Build(IReadOnlyList<(string FileName, string Subfolder)> files, string type) =>
        JsonFrames.Write((files, type), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteStartArray("images");
            foreach (var (file, sub) in s.files)
            {
                w.WriteStartObject();
                w.WriteString("filename", file);
                w.WriteString("subfolder", sub);
                w.WriteString("type", s.type);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });

    public static ValueTask<NodeResult> Save(NodeContext context, string type, string prefix)
    {
        var images = context.Get<ImageTensor>("images");
        var pngs = new byte[images.Batch][];
        for (var b = 0; b < images.Batch; b++)
        {
            pngs[b] = ImageCodec.EncodePng(images, b);
        }

        var saved = context.Files.SaveImages(type, prefix, pngs);
        return ValueTask.FromResult(new NodeResult([], Build(saved, type)));
    }
}

/// <summary><c>SaveImage</c>: PNGs in <c>output/</c> named <c>prefix_00001_.png</c>.</summary>
internal sealed class SaveImageNode : NodeBehavior
{
    public override string ClassType => "SaveImage";

    public override ValueTask<NodeResult> ExecuteAsync(NodeContext context) =>
        ImagesUi.Save(context, "output", context.Inputs.TryGetValue("filename_prefix", out var p) && p is string s ? s : "ComfyUI");
}

/// <summary><c>PreviewImage</c>: PNGs in <c>temp/</c> named <c>ComfyUI_temp_xxxxx_00001_.png</c>.</summary>
internal sealed class PreviewImageNode : NodeBehavior
{
    public override string ClassType => "PreviewImage";

    public override ValueTask<NodeResult> ExecuteAsync(NodeContext context) => ImagesUi.Save(context, "temp", FileStore.RandomPreviewPrefix());
}

/// <summary><c>PreviewAny</c>: shows any value as text (<c>{"text": [value]}</c>).</summary>
internal sealed class PreviewAnyNode : NodeBehavior
{
    public override string ClassType => "PreviewAny";

    public override ValueTask<NodeResult> ExecuteAsync(NodeContext context)
    {
        var source = context.Inputs.TryGetValue("source", out var v) ? v : null;
        var text = source switch
        {
            null => "None",
            string s => s,
            bool b => b ? "True" : "False",
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => source.ToString() ?? "None",
        };
        var ui = JsonFrames.Write(text, static (w, t) =>
        {
            w.WriteStartObject();
            w.WriteStartArray("text");
            w.WriteStringValue(t);
            w.WriteEndArray();
            w.WriteEndObject();
        });
        return ValueTask.FromResult(new NodeResult([], ui));
    }
}

/// <summary>
/// <c>SaveImageWebsocket</c> (ComfyUI's bundled custom node): each image goes out as a PNG preview frame on a
/// progress tick; no file, no UI, and never cached (its <c>IS_CHANGED</c> returns the time).
/// </summary>
internal sealed class SaveImageWebsocketNode : NodeBehavior
{
    public override string ClassType => "SaveImageWebsocket";

    public override bool NeverCached => true;

    public override async ValueTask<NodeResult> ExecuteAsync(NodeContext context)
    {
        var images = context.Get<ImageTensor>("images");
        for (var b = 0; b < images.Batch; b++)
        {
            await context.Progress(b, images.Batch, context.CreatePreview(ImageCodec.EncodePng(images, b), png: true)).ConfigureAwait(false);
        }

        return NodeResult.Empty;
    }
}

/// <summary><c>StringConcatenate</c>.</summary>
internal sealed class StringConcatenateNode : NodeBehavior
{
    public override string ClassType => "StringConcatenate";

    public override ValueTask<NodeResult> ExecuteAsync(NodeContext context) =>
        ValueTask.FromResult(new NodeResult([context.Get<string>("string_a") + context.Get<string>("delimiter") + context.Get<string>("string_b")]));
}

/// <summary>
/// <c>SdkTestSlowProgress</c>, the recorded test node (transcripts §13): <c>steps</c> × <c>step_seconds</c>, reporting
/// progress 1..steps through the progress hook, which is where interrupts are observed mid-node.
/// </summary>
internal sealed class SdkTestSlowProgressNode : NodeBehavior
{
    public override string ClassType => "SdkTestSlowProgress";

    public override async ValueTask<NodeResult> ExecuteAsync(NodeContext context)
    {
        var image = context.Get<ImageTensor>("image");
        var steps = (int)context.GetInt("steps");
        var delay = TimeSpan.FromSeconds(context.GetFloat("step_seconds"));
        for (var i = 1; i <= steps; i++)
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, context.Cancellation).ConfigureAwait(false);
            }

            await context.Progress(i, steps, null).ConfigureAwait(false);
        }

        return new NodeResult([image]);
    }
}

