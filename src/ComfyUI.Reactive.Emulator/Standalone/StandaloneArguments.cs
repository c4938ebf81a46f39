using System.Globalization;

namespace ComfyUI.Reactive.Emulator.Standalone;

/// <summary>The command line of the standalone emulator, turned into <see cref="ComfyEmulatorOptions"/>.</summary>
internal static class StandaloneArguments
{
    public const string Usage = """
        usage: comfyui-emulator [options]
          --port N                 port on 127.0.0.1 (default 8188; 0 = a free one)
          --data-dir DIR           input/, output/, temp/ live here (default: a temporary folder)
          --step-ms MS             time per sampler step (default 20)
          --checkpoint NAME        a checkpoint file the server has (repeatable; default v1-5-pruned-emaonly.safetensors)
          --no-checkpoints         the server has no checkpoint at all
          --model FOLDER=NAME      a file in another model folder, e.g. loras=detail.safetensors (repeatable)
          --object-info FILE       emulate the nodes of this GET /object_info answer instead of ComfyUI 0.3.64's
          --exclude-node CLASS     pretend this node is not installed (repeatable)
          --node-delay CLASS=MS    extra time per execution of a node class (repeatable)
          --admin                  serve the fault knobs over HTTP under /emulator/ (off by default)
          --help                   this text
        """;

    /// <summary>Parses <paramref name="args"/>; null with a message when they are wrong, or with no message for <c>--help</c>.</summary>
    public static ComfyEmulatorOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        var port = 8188;
        string? dataDir = null;
        string? objectInfo = null;
        var stepMs = 20.0;
        var admin = false;
        var noCheckpoints = false;
        var checkpoints = new List<string>();
        var models = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var excluded = new List<string>();
        var delays = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        try
        {
            for (var i = 0; i < args.Count; i++)
            {
                var name = args[i];
                string Next() => i + 1 < args.Count ? args[++i] : throw new FormatException($"{name} needs a value");
                (string Key, string Value) Pair()
                {
                    var parts = Next().Split('=', 2);
                    return parts.Length == 2 && parts[0].Length > 0 && parts[1].Length > 0
                        ? (parts[0], parts[1])
                        : throw new FormatException($"{name} needs KEY=VALUE");
                }

                switch (name)
                {
                    case "--port":
                        port = int.Parse(Next(), CultureInfo.InvariantCulture);
                        break;
                    case "--data-dir":
                        dataDir = Next();
                        break;
                    case "--step-ms":
                        stepMs = double.Parse(Next(), CultureInfo.InvariantCulture);
                        break;
                    case "--checkpoint":
                        checkpoints.Add(Next());
                        break;
                    case "--no-checkpoints":
                        noCheckpoints = true;
                        break;
                    case "--model":
                        var (folder, file) = Pair();
                        if (!models.TryGetValue(folder, out var list))
                        {
                            models[folder] = list = [];
                        }

                        list.Add(file);
                        break;
                    case "--object-info":
                        objectInfo = File.ReadAllText(Next());
                        break;
                    case "--exclude-node":
                        excluded.Add(Next());
                        break;
                    case "--node-delay":
                        var (classType, ms) = Pair();
                        delays[classType] = TimeSpan.FromMilliseconds(double.Parse(ms, CultureInfo.InvariantCulture));
                        break;
                    case "--admin":
                        admin = true;
                        break;
                    case "--help" or "-h":
                        return null;
                    default:
                        throw new FormatException($"unknown argument {name}");
                }
            }

            if (noCheckpoints && checkpoints.Count > 0)
            {
                throw new FormatException("--no-checkpoints and --checkpoint contradict each other");
            }

            var options = new ComfyEmulatorOptions
            {
                Port = port,
                DataDirectory = dataDir,
                SamplerStepTime = TimeSpan.FromMilliseconds(stepMs),
                // No --checkpoint keeps the default list; --no-checkpoints is the only way to an empty one.
                Checkpoints = noCheckpoints ? [] : checkpoints.Count > 0 ? checkpoints : new ComfyEmulatorOptions().Checkpoints,
                Models = models.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)p.Value, StringComparer.Ordinal),
                ObjectInfoJson = objectInfo,
                ExcludedNodes = excluded,
                NodeDelays = delays,
                AdminRoutes = admin,
            };
            options.Validate();
            return options;
        }
        catch (Exception ex) when (ex is FormatException or OverflowException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            error = ex.Message;
            return null;
        }
    }
}
