using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.IntegrationTests.Guides;

/// <summary>
/// docs/getting-started.md, run for real against the emulator with the public API only: what the guide says a newcomer
/// will see is what these tests assert.
/// </summary>
public sealed class GettingStartedTests
{
    internal static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    /// <summary>The exported SD 1.5 text-to-image workflow the guides use (a file, as a reader would have it).</summary>
    internal static string Txt2Img => Path.Combine(AppContext.BaseDirectory, "Emulator", "Fixtures", "workflows", "txt2img_sd15.json");

    private static Workflow FirstWorkflow() => Workflow.Load(Txt2Img)
        .Set("6.inputs.text", "a lighthouse on a cliff at dusk")
        .RandomizeSeeds()
        .Output("image", "9");

    [Fact]
    public async Task FirstWorkflow_RunAndDownload_SavesAPngAfterProgressAndPreviews()
    {
        await using var server = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.FromMilliseconds(2) });
        await using var comfy = new ComfyClient(server.BaseAddress);
        await comfy.ConnectAsync().WaitAsync(Wait);
        var updates = new List<JobUpdate>();

        var result = await comfy.Run(FirstWorkflow())
            .Do(updates.Add)
            .OfType<JobCompleted>()
            .Select(completed => completed.Result)
            .ToTask()
            .WaitAsync(Wait);

        var folder = Directory.CreateTempSubdirectory("guide-").FullName;
        try
        {
            var saved = await result["image"].Images[0].DownloadAsync(folder, overwrite: true);
            var bytes = await File.ReadAllBytesAsync(saved);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
            Assert.Equal(folder, Path.GetDirectoryName(saved));
            await Assert.ThrowsAsync<IOException>(() => result["image"].Images[0].DownloadAsync(folder));   // no overwrite by default
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }

        Assert.IsType<JobQueued>(updates[0]);
        Assert.Contains(updates, u => u is JobNodeStarted { ClassType: "KSampler", Title: "KSampler" });
        var fractions = updates.OfType<JobProgress>().Select(p => p.Fraction).ToList();
        Assert.Equal(fractions.Order(), fractions);             // never goes backwards
        Assert.Equal(1.0, fractions[^1]);
        Assert.Contains(updates, u => u is JobPreview { NodeId: "3", MimeType: "image/jpeg" });
        Assert.IsType<JobCompleted>(updates[^1]);
        Assert.Same(result["9"], result["image"]);              // alias and node id name the same output
        Assert.Single(result.Images);
        Assert.NotNull(result.Timings.Execution);
    }

    [Fact]
    public async Task Cancel_DisposeWhileRunning_InterruptsOnlyThatPromptAndTheServerRunsTheNext()
    {
        await using var server = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.FromMilliseconds(100) });
        await using var comfy = new ComfyClient(server.BaseAddress);
        var firstProgress = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var subscription = comfy.Run(FirstWorkflow()).OfType<JobProgress>().Subscribe(p => firstProgress.TrySetResult(p.PromptId));
        var cancelled = await firstProgress.Task.WaitAsync(Wait);

        subscription.Dispose();
        var next = await comfy.RunAsync(FirstWorkflow().SetByClass("KSampler", "steps", 2)).WaitAsync(Wait);

        var history = await comfy.Api.GetHistoryEntryAsync(cancelled);
        Assert.True(history?.Status?.IsInterrupted);
        Assert.Equal(1, server.GetExecutionCount(next.PromptId));
        Assert.Single(next.Images);
    }

    [Fact]
    public async Task Cancel_RunAsyncTokenWhileQueued_ThrowsOperationCanceledAndTheServerNeverRunsIt()
    {
        await using var server = await ComfyEmulator.StartAsync();
        await using var comfy = new ComfyClient(server.BaseAddress);
        server.Faults.PauseQueue();
        var queued = comfy.Status.FirstAsync(s => s.QueueRemaining == 1).ToTask();
        using var cts = new CancellationTokenSource();
        var run = comfy.RunAsync(FirstWorkflow(), cancellationToken: cts.Token);
        await queued.WaitAsync(Wait);

        var emptied = comfy.Status.FirstAsync(s => s.QueueRemaining == 0).ToTask();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Wait));
        await emptied.WaitAsync(Wait);                          // the prompt was deleted from the queue
        server.Faults.ResumeQueue();
        Assert.Equal(0, server.TotalExecutions);
    }

    [Fact]
    public async Task Errors_UnknownModel_ValidationExceptionNamesNodeInputAndValue_BeforeAndFromTheServer()
    {
        await using var server = await ComfyEmulator.StartAsync();
        await using var comfy = new ComfyClient(server.BaseAddress);
        var broken = FirstWorkflow().Set("4.inputs.ckpt_name", "no-such-model.safetensors");

        var local = await Assert.ThrowsAsync<ComfyPromptValidationException>(() => comfy.RunAsync(broken).WaitAsync(Wait));
        var remote = await Assert.ThrowsAsync<ComfyPromptValidationException>(
            () => comfy.RunAsync(broken, new JobOptions { ValidateBeforeSubmit = false }).WaitAsync(Wait));

        foreach (var ex in new[] { local, remote })
        {
            Assert.Equal("prompt_outputs_failed_validation", ex.Error.Type);
            var node = Assert.Single(ex.NodeErrors).Value;
            Assert.Equal("CheckpointLoaderSimple", node.ClassType);
            var error = Assert.Single(node.Errors);
            Assert.Equal("value_not_in_list", error.Type);
            Assert.Equal("ckpt_name", error.InputName);
            Assert.Equal("no-such-model.safetensors", error.ReceivedValue?.GetString());
        }

        Assert.Null(local.RequestUri);                          // checked before sending
        Assert.NotNull(remote.RequestUri);                      // the server's own 400
        Assert.Equal(0, server.TotalExecutions);
    }

    [Fact]
    public async Task Errors_NodeRaises_ExecutionExceptionCarriesNodeTypeMessageAndTraceback()
    {
        await using var server = await ComfyEmulator.StartAsync(new ComfyEmulatorOptions { SamplerStepTime = TimeSpan.Zero });
        await using var comfy = new ComfyClient(server.BaseAddress);
        server.Faults.FailNode("KSampler", "CUDA out of memory");

        var ex = await Assert.ThrowsAsync<ComfyExecutionException>(() => comfy.RunAsync(FirstWorkflow()).WaitAsync(Wait));

        Assert.Equal("3", ex.NodeId);
        Assert.Equal("KSampler", ex.NodeType);
        Assert.Equal("RuntimeError", ex.ExceptionType);
        Assert.Contains("CUDA out of memory", ex.ExceptionMessage, StringComparison.Ordinal);
        Assert.NotEmpty(ex.Traceback);
    }

    [Fact]
    public async Task Connect_NothingListens_ConnectionExceptionNamesTheAddress()
    {
        Uri address;
        await using (var gone = await ComfyEmulator.StartAsync())
        {
            address = gone.BaseAddress;
        }

        await using var comfy = new ComfyClient(address);

        var ex = await Assert.ThrowsAsync<ComfyConnectionException>(() => comfy.ConnectAsync().WaitAsync(Wait));
        Assert.Contains($"127.0.0.1:{address.Port}", ex.Message, StringComparison.Ordinal);
    }
}
