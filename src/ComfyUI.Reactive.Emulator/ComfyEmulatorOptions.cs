using Microsoft.Extensions.Logging;

namespace ComfyUI.Reactive.Emulator;

/// <summary>Settings of a <see cref="ComfyEmulator"/>. Every property has a default that behaves like a stock ComfyUI 0.3.64.</summary>
public sealed class ComfyEmulatorOptions
{
    /// <summary>The loopback port to listen on; 0 (the default) picks a free one.</summary>
    public int Port { get; init; }

    /// <summary>How long one simulated <c>KSampler</c> step takes (default 20 ms). Zero makes sampling instant.</summary>
    public TimeSpan SamplerStepTime { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>The checkpoint files the emulator pretends to have; they fill the <c>ckpt_name</c> combo, so other names fail validation with <c>value_not_in_list</c>.</summary>
    public IReadOnlyList<string> Checkpoints { get; init; } = ["v1-5-pruned-emaonly.safetensors"];

    /// <summary>
    /// The files of the other model folders, keyed by folder name as <c>GET /models</c> lists it (<c>loras</c>, <c>vae</c>,
    /// <c>text_encoders</c>, <c>controlnet</c>, <c>upscale_models</c>…), e.g. <c>["loras"] = ["detail.safetensors"]</c>. They
    /// are served by <c>GET /models/{folder}</c> and fill the loaders' combos (<c>LoraLoader.lora_name</c>…) as a real
    /// server fills them from its folders. A <c>checkpoints</c> entry adds to <see cref="Checkpoints"/>. Default: every
    /// folder empty, like a fresh install.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Models { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>
    /// The complete <c>GET /object_info</c> answer of a server to emulate (JSON text), e.g. saved from your own ComfyUI with
    /// its custom nodes; null (the default) uses the built-in node set of a real ComfyUI 0.3.64 (383 nodes). Every node in
    /// it is validated exactly as the real server validates and runs generically by its declared output types; the nodes
    /// the emulator implements specifically keep their behaviour. File lists in it are kept, and the emulator's own
    /// <see cref="Checkpoints"/> and <see cref="Models"/> are added to them.
    /// </summary>
    public string? ObjectInfoJson { get; init; }

    /// <summary>
    /// Serve the fault knobs over HTTP under <c>/emulator/…</c> (a route a real server does not have), so a test suite in
    /// any language can stop, restart, drop sockets, hang nodes and fail routes. Off by default: a default emulator
    /// answers those paths like a real server (404/405).
    /// </summary>
    public bool AdminRoutes { get; init; }

    /// <summary>
    /// Node class types the emulator pretends not to have (e.g. <c>["ImageBlur"]</c>), as a server without that custom
    /// node: they are absent from <c>GET /object_info</c> and a prompt using one fails validation like an unknown
    /// <c>class_type</c> (see <see cref="LegacyUnknownNodeError"/>). Default: none.
    /// </summary>
    public IReadOnlyList<string> ExcludedNodes { get; init; } = [];

    /// <summary>
    /// The safetensors <c>__metadata__</c> of checkpoints, keyed by checkpoint name, served by
    /// <c>GET /view_metadata/checkpoints?filename=…</c>. A listed checkpoint without an entry has no metadata (404, as
    /// a real file without <c>__metadata__</c>).
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> CheckpointMetadata { get; init; } = new Dictionary<string, IReadOnlyDictionary<string, string>>();

    /// <summary>
    /// Extra time a node class takes each time it really executes (not when cached), keyed by class type, e.g.
    /// <c>["ImageBlur"] = 1 s</c> to reproduce the recorded slow chain. Like a real node computing, this time is not
    /// interruptible: an interrupt is observed at the next node start or progress tick.
    /// </summary>
    public IReadOnlyDictionary<string, TimeSpan> NodeDelays { get; init; } = new Dictionary<string, TimeSpan>();

    /// <summary>Whether samplers send latent preview frames (default true; a real server needs <c>--preview-method</c> for that). A prompt's <c>extra_data.preview_method = "none"</c> still turns them off.</summary>
    public bool SamplerPreviews { get; init; } = true;

    /// <summary>Authentication the server demands on every HTTP request and websocket upgrade (401 otherwise); null = none, like real ComfyUI.</summary>
    public EmulatorAuth? Auth { get; init; }

    /// <summary>
    /// The folder holding <c>input/</c>, <c>output/</c> and <c>temp/</c>. Null (the default) makes a fresh temporary
    /// folder that is deleted when the emulator is disposed.
    /// </summary>
    public string? DataDirectory { get; init; }

    /// <summary>
    /// How an unknown <c>class_type</c> is reported: true (default) gives the 0.3.64 recording's <c>invalid_prompt</c>;
    /// false gives the newer servers' <c>missing_node_type</c> with <c>extra_info</c>.
    /// </summary>
    public bool LegacyUnknownNodeError { get; init; } = true;

    /// <summary>
    /// Behave like a server older than 2025-07-14: the <c>prompt_id</c> of a submission is ignored (neither checked nor
    /// used) and every prompt gets a fresh server-generated id, returned in the answer and used in every event. Default false.
    /// </summary>
    public bool IgnoreClientPromptId { get; init; }

    /// <summary>The number of history entries kept before the oldest are evicted (ComfyUI keeps 10,000).</summary>
    public int MaxHistoryItems { get; init; } = 10_000;

    /// <summary>Logger factory for the emulator and Kestrel; null (default) logs nothing, which keeps the server fast.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The clock for message timestamps (epoch milliseconds).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(Port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Port, 65535);
        ArgumentOutOfRangeException.ThrowIfLessThan(SamplerStepTime, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(Checkpoints);
        ArgumentNullException.ThrowIfNull(Models);
        foreach (var (folder, files) in Models)
        {
            if (!Nodes.ModelFolders.Names.Contains(folder))
            {
                throw new ArgumentException($"'{folder}' is not a model folder of ComfyUI 0.3.64 (GET /models lists them)", nameof(Models));
            }

            ArgumentNullException.ThrowIfNull(files, nameof(Models));
        }

        ArgumentNullException.ThrowIfNull(ExcludedNodes);
        ArgumentNullException.ThrowIfNull(NodeDelays);
        ArgumentNullException.ThrowIfNull(CheckpointMetadata);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxHistoryItems, 1);
        ArgumentNullException.ThrowIfNull(TimeProvider);
    }
}
