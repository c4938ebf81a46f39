using System.Collections.Concurrent;
using ComfyUI.Reactive.Emulator.Execution;
using ComfyUI.Reactive.Emulator.Faults;
using ComfyUI.Reactive.Emulator.Files;
using ComfyUI.Reactive.Emulator.Nodes;
using ComfyUI.Reactive.Emulator.Sockets;
using ComfyUI.Reactive.Emulator.Validation;

namespace ComfyUI.Reactive.Emulator.Server;

/// <summary>Everything one running server instance holds; a restart builds a new one (like a real process restart).</summary>
internal sealed class EmulatorState
{
    public EmulatorState(ComfyEmulatorOptions options, NodeSet nodes, EmulatorFaults faults, FileStore files, ConcurrentDictionary<string, int> executions, ExecutionLog log)
    {
        Options = options;
        Faults = faults;
        Files = files;
        Executions = executions;
        Models = new ModelFolders(options);
        Catalog = new NodeCatalog(nodes, Models, files, options.ExcludedNodes);
        Validator = new PromptValidator(Catalog, files, options.LegacyUnknownNodeError);
        Queue = new PromptQueue();
        History = new HistoryStore(options.MaxHistoryItems);
        Hub = new SocketHub { FeatureFlagsReply = JsonFrames.Wrap("feature_flags", Fixtures.Features).Data.ToArray() };
        Executor = new PromptExecutor(Queue, History, Hub, Catalog, files, options, faults, executions, log);
    }

    public ComfyEmulatorOptions Options { get; }
    public EmulatorFaults Faults { get; }
    public FileStore Files { get; }
    public ModelFolders Models { get; }
    public NodeCatalog Catalog { get; }
    public PromptValidator Validator { get; }
    public PromptQueue Queue { get; }
    public HistoryStore History { get; }
    public SocketHub Hub { get; }
    public PromptExecutor Executor { get; }
    /// <summary>How often each prompt id was started (the emulator's whole life).</summary>
    public ConcurrentDictionary<string, int> Executions { get; }

    /// <summary>Restarts the server after this much downtime (set by the owning emulator; used by the admin route).</summary>
    public Action<TimeSpan>? RequestRestart { get; set; }

    public ConcurrentDictionary<string, string> Settings { get; } = new(StringComparer.Ordinal);
    public ConcurrentDictionary<string, UserFile> UserData { get; } = new(StringComparer.Ordinal);

    /// <summary>User id to name, as <c>users.json</c>; single-user mode starts with <c>default</c> (PROTOCOL.md §2.13).</summary>
    public Dictionary<string, string> Users { get; } = new(StringComparer.Ordinal) { ["default"] = "default" };
}

/// <summary>One in-memory user data file with its modification time (for <c>/v2/userdata</c>).</summary>
internal sealed record UserFile(byte[] Content, DateTimeOffset Modified);
