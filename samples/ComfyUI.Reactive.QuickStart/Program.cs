// ComfyUI.Reactive quick start: runs a text-to-image workflow with a live progress bar and saves the image.
//
//   dotnet run --project samples/ComfyUI.Reactive.QuickStart                      embedded emulator, SD txt2img
//   COMFYUI_URL=http://127.0.0.1:8188 dotnet run --project samples/ComfyUI.Reactive.QuickStart
//   ... -- --workflow my_api_workflow.json --set 6.inputs.text="a red fox" --set 3.inputs.steps=30
//   ... -- --workflow my_saved_ui_workflow.json      (the editor "Save" format, converted with the server's node schemas)
//   ... -- --workflow ComfyUI_00001_.png             (the workflow embedded in a ComfyUI output image)
//   A misspelt --set input (6.inputs.txet) exits with code 64 and names the nearest input.
//
// Credentials for a server behind a proxy: COMFYUI_TOKEN (bearer) or COMFYUI_USER + COMFYUI_PASSWORD (basic).
using System.Reactive.Linq;
using System.Text.Json.Nodes;
using ComfyUI.Reactive;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Workflows;
using Spectre.Console;

string? workflowPath = null;
var sets = new List<(string Path, JsonNode? Value)>();
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--workflow" when i + 1 < args.Length:
            workflowPath = args[++i];
            break;
        case "--set" when i + 1 < args.Length && args[i + 1].Contains('=', StringComparison.Ordinal):
            var (path, text) = (args[++i][..args[i].IndexOf('=', StringComparison.Ordinal)], args[i][(args[i].IndexOf('=', StringComparison.Ordinal) + 1)..]);
            sets.Add((path, ParseValue(text)));
            break;
        default:
            return Fail(64, $"Unknown argument '{args[i]}'. Usage: [--workflow file.json] [--set node.inputs.name=value]...");
    }
}

// Without COMFYUI_URL the sample brings its own server: the in-process emulator (no GPU, same protocol).
ComfyEmulator? emulator = null;
var url = Environment.GetEnvironmentVariable("COMFYUI_URL");
Uri address;
if (string.IsNullOrWhiteSpace(url))
{
    emulator = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.FromMilliseconds(40) });
    address = emulator.BaseAddress;
    AnsiConsole.MarkupLine($"[grey]No COMFYUI_URL set: started the embedded emulator at {address}[/]");
}
else if (!Uri.TryCreate(url, UriKind.Absolute, out address!) || (address.Scheme != "http" && address.Scheme != "https"))
{
    return Fail(64, $"COMFYUI_URL must be an http:// or https:// address, got '{url}'.");
}

var options = new ComfyClientOptions { BaseAddress = address };
if (Environment.GetEnvironmentVariable("COMFYUI_TOKEN") is { Length: > 0 } token)
{
    options.Credentials.Add(ComfyCredentials.Bearer(token));
}
else if (Environment.GetEnvironmentVariable("COMFYUI_USER") is { Length: > 0 } user)
{
    options.Credentials.Add(ComfyCredentials.Basic(user, Environment.GetEnvironmentVariable("COMFYUI_PASSWORD") ?? string.Empty));
}

try
{
    await using var comfy = new ComfyClient(options);

    var workflow = workflowPath is null
        ? Workflow.Parse(System.Reflection.Assembly.GetExecutingAssembly().GetManifestResourceStream("txt2img_sd15.json")!)
            .Set("6.inputs.text", "a lighthouse on a cliff at dusk, oil painting")
            .RandomizeSeeds()
        : await LoadWorkflowAsync(comfy, workflowPath);
    foreach (var (path, value) in sets)
    {
        workflow = workflow.Set(path, value);
    }

    await comfy.ConnectAsync();
    AnsiConsole.MarkupLine($"Connected to [bold]{address}[/] as client {comfy.ClientId}");

    JobResult? result = null;
    var previews = 0;
    await AnsiConsole.Progress()
        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
        .StartAsync(async progress =>
        {
            var bar = progress.AddTask("Queued", maxValue: 1.0);
            await comfy.Run(workflow).ForEachAsync(update =>
            {
                switch (update)
                {
                    case JobQueued queued:
                        bar.Description = queued.Position is { } position ? $"Queued (position {position})" : "Queued";
                        break;
                    case JobNodeStarted node:
                        bar.Description = $"{Markup.Escape(node.Title ?? node.ClassType ?? node.NodeId)}";
                        break;
                    case JobProgress step:
                        bar.Value = step.Fraction;
                        break;
                    case JobPreview:
                        previews++;
                        break;
                    case JobCompleted done:
                        result = done.Result;
                        bar.Value = 1.0;
                        bar.Description = "Done";
                        break;
                }
            });
        });

    // Redirected output (a CI log) gets the bar's frames only now and then, so the last one may be mid-run: say the end.
    if (!AnsiConsole.Profile.Capabilities.Interactive)
    {
        AnsiConsole.MarkupLine("Done: 100%");
    }

    AnsiConsole.MarkupLine($"{previews} previews received; {Markup.Escape(result!.Timings.ToString())}");
    var saved = 0;
    foreach (var image in result.Images)
    {
        var file = await image.DownloadAsync("output", overwrite: true);
        AnsiConsole.MarkupLine($"Saved [green]{Markup.Escape(Path.GetFullPath(file))}[/]");
        saved++;
    }

    foreach (var output in result.Outputs.Values)
    {
        foreach (var text in output.Text)
        {
            AnsiConsole.MarkupLine($"Node {output.NodeId} says: {Markup.Escape(text)}");
            saved++;
        }
    }

    return saved > 0 ? 0 : Fail(1, "The workflow finished but produced no image or text output (does it have a SaveImage node?).");
}
catch (ComfyAuthenticationException ex)
{
    return Fail(3, $"The server at {address} refused the request ({(int)ex.StatusCode}). " +
        (options.Credentials.Count == 0
            ? "No credentials were given: set COMFYUI_TOKEN (bearer) or COMFYUI_USER and COMFYUI_PASSWORD (basic)."
            : $"The credential given ({options.Credentials[0]}) was not accepted: check it."));
}
catch (ComfyPromptValidationException ex)
{
    AnsiConsole.MarkupLine($"[red]The workflow is invalid: {Markup.Escape(ex.Error?.Message ?? ex.Message)}[/]");
    foreach (var (nodeId, node) in ex.NodeErrors)
    {
        foreach (var error in node.Errors)
        {
            AnsiConsole.MarkupLine($"  node {Markup.Escape(nodeId)} ({Markup.Escape(node.ClassType ?? "?")}): {Markup.Escape(error.Type)} — " +
                $"input '{Markup.Escape(error.InputName ?? "-")}', value {Markup.Escape(error.ReceivedValue?.ToString() ?? "-")}: {Markup.Escape(error.Details ?? error.Message)}");
        }
    }

    return 4;
}
catch (ComfyExecutionException ex)
{
    return Fail(5, $"Node {ex.NodeId} ({ex.NodeType}) failed while running: {ex.ExceptionType}: {ex.ExceptionMessage}");
}
catch (ComfyConnectionException ex)
{
    return Fail(2, $"{ex.Message} Is the server running, and is COMFYUI_URL ({address}) right?");
}
catch (ComfyTimeoutException ex)
{
    return Fail(6, $"Timed out ({ex.Phase}): {ex.Message}");
}
catch (ComfyWorkflowException ex)
{
    return Fail(64, $"The workflow could not be prepared: {ex.Message}");
}
catch (FileNotFoundException ex)
{
    return Fail(66, $"Workflow file not found: {ex.FileName}");
}
finally
{
    if (emulator is not null)
    {
        await emulator.DisposeAsync();
    }
}

static int Fail(int code, string message)
{
    AnsiConsole.MarkupLine($"[red]{Markup.Escape(message)}[/]");
    return code;
}

// "--set x=30" sets a number, "--set x=true" a boolean, "--set x=a cat" a string: JSON when it parses, text otherwise.
static JsonNode? ParseValue(string text)
{
    try
    {
        return JsonNode.Parse(text) is JsonValue value ? value : text;
    }
    catch (System.Text.Json.JsonException)
    {
        return text;
    }
}

// A workflow file in either format, or a ComfyUI output image; the server's node schemas are fetched only when an
// editor-format workflow has to be converted.
static async Task<Workflow> LoadWorkflowAsync(ComfyClient comfy, string path)
{
    var image = Path.GetExtension(path).ToLowerInvariant() is ".png" or ".webp";
    try
    {
        return image ? Workflow.FromImage(path) : Workflow.Load(path);
    }
    catch (ComfyWorkflowFormatException ex) when (ex.IsEditorFormat)
    {
        var catalog = await comfy.GetNodeSchemaCatalogAsync();
        return image ? Workflow.FromImage(path, catalog) : Workflow.Load(path, catalog);
    }
}
