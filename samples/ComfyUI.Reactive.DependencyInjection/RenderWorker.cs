using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Workflows;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ComfyUI.Reactive.Samples.DependencyInjection;

/// <summary>Renders a few images with the container's <see cref="ComfyClient"/>, then stops the application.</summary>
internal sealed partial class RenderWorker(ComfyClient comfy, IHostApplicationLifetime lifetime, ILogger<RenderWorker> logger)
    : BackgroundService
{
    /// <summary>The process exit code: 0 when every job completed.</summary>
    public static int ExitCode { get; private set; } = 1;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var workflow = Workflow.Parse("""
            {
              "1": { "class_type": "EmptyImage", "inputs": { "width": 128, "height": 128, "batch_size": 1, "color": 0 } },
              "2": { "class_type": "ImageInvert", "inputs": { "image": ["1", 0] } },
              "3": { "class_type": "SaveImage", "inputs": { "images": ["2", 0], "filename_prefix": "worker" } }
            }
            """).Output("picture", "3");

        try
        {
            foreach (var color in new[] { 0xFF0000, 0x00FF00, 0x0000FF })
            {
                JobResult result = await comfy.RunAsync(workflow.Set("1.inputs.color", color), cancellationToken: stoppingToken);
                LogRendered(logger, color, result["picture"].Images[0].FileName, result.Timings);
            }

            ExitCode = 0;
        }
        catch (ComfyException ex)
        {
            LogFailed(logger, ex);
        }
        finally
        {
            lifetime.StopApplication();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rendered color {Color:X6} as {File} ({Timings})")]
    private static partial void LogRendered(ILogger logger, int color, string file, JobTimings timings);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rendering failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
