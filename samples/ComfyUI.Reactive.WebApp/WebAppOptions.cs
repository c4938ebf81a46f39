using ComfyUI.Reactive.DependencyInjection;
using ComfyUI.Reactive.Emulator;

namespace ComfyUI.Reactive.Samples.WebApp;

/// <summary>How <see cref="WebAppHost"/> starts the app: where it listens, which ComfyUI servers it drives.</summary>
public sealed class WebAppOptions
{
    /// <summary>Command-line arguments, read as configuration (<c>--urls</c>, <c>--ComfyPool:ServerCapacity=1</c>…).</summary>
    public IReadOnlyList<string> Args { get; init; } = [];

    /// <summary>The addresses to listen on (e.g. <c>http://127.0.0.1:0</c> for a free port); null: the configuration's
    /// (<c>--urls</c>, <c>ASPNETCORE_URLS</c>), else Kestrel's default.</summary>
    public string? Urls { get; init; }

    /// <summary>The ComfyUI servers (<c>COMFYUI_URLS</c> in <c>Program</c>); empty: <see cref="EmbeddedServers"/> in-process
    /// emulators. Servers in the configuration section <c>ComfyPool:Servers</c> win over both.</summary>
    public IReadOnlyList<Uri> Servers { get; init; } = [];

    /// <summary>How many emulators to embed when no server is given. Default 2.</summary>
    public int EmbeddedServers { get; init; } = 2;

    /// <summary>The embedded emulators' options; null: <see cref="DefaultEmulatorOptions"/>.</summary>
    public ComfyEmulatorOptions? EmulatorOptions { get; init; }

    /// <summary>The checkpoint of the text-to-image graph; empty for the graph that needs no model files. The setting
    /// <c>Render:Checkpoint</c> wins. Default <see cref="RenderWorkflow.DefaultCheckpoint"/>.</summary>
    public string Checkpoint { get; init; } = RenderWorkflow.DefaultCheckpoint;

    /// <summary>Adjusts the pool's options after configuration binding (tests: shorter health intervals, no drain).</summary>
    public Action<ComfyPoolHostOptions>? ConfigurePool { get; init; }

    /// <summary>Emulators slow enough to watch: 20 sampler steps of 100 ms (two seconds a picture), 300 ms per blur.</summary>
    /// <returns>The options.</returns>
    public static ComfyEmulatorOptions DefaultEmulatorOptions() => new()
    {
        SamplerStepTime = TimeSpan.FromMilliseconds(100),
        NodeDelays = new Dictionary<string, TimeSpan> { ["ImageBlur"] = TimeSpan.FromMilliseconds(300) },
    };
}
