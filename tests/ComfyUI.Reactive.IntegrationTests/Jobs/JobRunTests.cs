using System.Text.Json.Nodes;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.IntegrationTests.Emulator;
using ComfyUI.Reactive.Jobs;

namespace ComfyUI.Reactive.IntegrationTests.Jobs;

/// <summary>Jobs on the emulator over real sockets: update kinds, results, cache shapes, errors.</summary>
public sealed class JobRunTests
{
    [Fact]
    public async Task Run_Txt2Img_EmitsEveryUpdateKindInOrderAndEndsOnce()
    {
        await using var h = await JobHarness.StartAsync();
        var client = h.Client();
        var job = client.Run(JobHarness.Load("txt2img_sd15"));

        var recording = JobRecording.Start(job);
        await recording.EndedAsync();

        Assert.Null(recording.Error);
        Assert.Equal(1, recording.Terminals);
        var updates = recording.Updates;
        Assert.All(updates, u => Assert.Equal(recording.PromptId, u.PromptId));
        Assert.IsType<JobQueued>(updates[0]);
        Assert.Contains(updates, u => u is JobStarted);
        var nodes = updates.OfType<JobNodeStarted>().ToList();
        Assert.Contains(nodes, n => n is { NodeId: "3", ClassType: "KSampler" });
        var progress = updates.OfType<JobProgress>().ToList();
        Assert.Contains(progress, p => p is { NodeId: "3", Value: 20, Max: 20 });
        Assert.Equal(progress.Select(p => p.Fraction).Order(), progress.Select(p => p.Fraction));
        Assert.Equal(1.0, progress[^1].Fraction);
        Assert.Contains(updates, u => u is JobPreview { NodeId: "3", MimeType: "image/jpeg" });
        Assert.Contains(updates, u => u is JobNodeOutput { Output.NodeId: "9" });
        var completed = Assert.IsType<JobCompleted>(updates[^1]);
        var image = Assert.Single(completed.Result.Outputs["9"].Images);
        await using var stream = await image.OpenReadAsync();
        var header = new byte[4];
        await stream.ReadExactlyAsync(header);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, header);
        Assert.True(completed.Result.Timings.Nodes.ContainsKey("3"));
        Assert.NotNull(completed.Result.Timings.QueueWait);
        Assert.Equal(1, h.Emulator.GetExecutionCount(completed.Result.PromptId));
    }

    [Fact]
    public async Task Run_SubscribedTwice_SubmitsTwiceWithDifferentPromptIds()
    {
        await using var h = await JobHarness.StartAsync();
        var job = h.Client().Run(JobHarness.Load("text_preview_any"));

        var first = await job;
        var second = await job;

        Assert.NotEqual(first.PromptId, second.PromptId);
        Assert.Equal(Guid.Parse(first.PromptId).ToString(), first.PromptId);
        Assert.Equal(2, h.Emulator.TotalExecutions);
    }

    [Fact]
    public async Task RunAsync_FreshPartlyCachedAndFullyCached_GiveTheSameResultShape()
    {
        await using var h = await JobHarness.StartAsync();
        var client = h.Client();
        var workflow = JobHarness.Load("basic_empty_invert_save").Output("saved", "3").Output("preview", "4");

        var fresh = await client.RunAsync(workflow);
        var fullyCached = await client.RunAsync(workflow);

        // Only SaveImage changes: node 4 (PreviewImage) is an output served from the cache, 3 runs again.
        var oneOfTwoCached = await client.RunAsync(workflow.Set("3.inputs.filename_prefix", "other"));

        // Only the invert input changes upstream of both: 1 cached, 2, 3 run, 4 cached.
        var partial = await client.RunAsync(workflow.Set("3.inputs.filename_prefix", "third").Set("2.inputs.image", new JsonArray("1", 0)));

        foreach (var result in new[] { fresh, fullyCached, oneOfTwoCached, partial })
        {
            Assert.Equal(["3", "4"], result.Outputs.Keys.Order());
            Assert.Equal(["preview", "saved"], result.Aliases.Keys.Order());
            Assert.Single(result["saved"].Images);
            Assert.Single(result["preview"].Images);
            Assert.Equal("output", result["saved"].Images[0].Reference.Type);
            Assert.Equal("temp", result["preview"].Images[0].Reference.Type);
        }
    }

    [Fact]
    public async Task Run_FullyCachedRerun_ReportsCachedNodesAndFullProgress()
    {
        await using var h = await JobHarness.StartAsync();
        var client = h.Client();
        var workflow = JobHarness.Load("basic_empty_invert_save");
        await client.RunAsync(workflow);

        var recording = JobRecording.Start(client.Run(workflow));
        await recording.EndedAsync();

        Assert.Null(recording.Error);
        var cached = Assert.Single(recording.Updates.OfType<JobCached>());
        Assert.Equal(["1", "2", "3", "4"], cached.Nodes.Order());
        Assert.Empty(recording.Updates.OfType<JobNodeStarted>());
        Assert.Equal(1.0, recording.Updates.OfType<JobProgress>().Last().Fraction);
    }

    [Fact]
    public async Task RunAsync_SaveImageWebsocket_CollectsTheBinaryFramesAsOutputImages()
    {
        await using var h = await JobHarness.StartAsync();

        var result = await h.Client().RunAsync(JobHarness.Load("websocket_images"));

        var images = result.Outputs["2"].WebsocketImages;
        Assert.Equal(3, images.Count);
        Assert.All(images, i => Assert.Equal("image/png", i.MimeType));
        Assert.All(images, i => Assert.Equal(0x89, i.Bytes.Span[0]));
    }

    [Fact]
    public async Task RunAsync_TextOutput_IsInTheResult()
    {
        await using var h = await JobHarness.StartAsync();

        var result = await h.Client().RunAsync(JobHarness.Load("text_preview_any"));

        Assert.Equal(["Hello, ComfyUI"], result.Outputs["2"].Text);
    }

    [Fact]
    public async Task RunAsync_NodeRaises_ThrowsExecutionExceptionWithTheServersDetails()
    {
        await using var h = await JobHarness.StartAsync();

        var error = await Assert.ThrowsAsync<ComfyExecutionException>(() => h.Client().RunAsync(JobHarness.Load("runtime_error_channel_mismatch")));

        Assert.Equal("4", error.NodeId);
        Assert.Equal("ImageBatch", error.NodeType);
        Assert.Equal("RuntimeError", error.ExceptionType);
        Assert.NotEmpty(error.ExceptionMessage);
        Assert.NotEmpty(error.Traceback);
    }

    [Fact]
    public async Task RunAsync_InvalidWorkflow_RejectedBeforeSendingLikeTheServerWould()
    {
        await using var h = await JobHarness.StartAsync();
        var client = h.Client();
        var invalid = JobHarness.Load("basic_empty_invert_save").Set("1.inputs.width", -5);

        var local = await Assert.ThrowsAsync<ComfyPromptValidationException>(() => client.RunAsync(invalid));
        var server = await Assert.ThrowsAsync<ComfyPromptValidationException>(
            () => client.RunAsync(invalid, new JobOptions { ValidateBeforeSubmit = false }));

        Assert.Null(local.RequestUri);
        Assert.NotNull(server.RequestUri);
        Assert.Equal(server.Error.Type, local.Error.Type);
        Assert.Equal(server.NodeErrors.Keys, local.NodeErrors.Keys);
        Assert.Equal(0, h.Emulator.TotalExecutions);
    }

    [Fact]
    public async Task Run_OneOutputInvalid_SurfacesNodeErrorsOnQueuedAndResult()
    {
        await using var h = await JobHarness.StartAsync();
        var client = h.Client();

        // The PreviewImage branch gets an invalid input; the server drops that output and runs the rest (200).
        var json = Fixture.Workflow("basic_empty_invert_save");
        json["4"]!["inputs"]!["images"] = new JsonArray("99", 0);
        var workflow = ComfyUI.Reactive.Workflows.Workflow.Parse(json);
        var recording = JobRecording.Start(client.Run(workflow, new JobOptions { ValidateBeforeSubmit = false }));
        await recording.EndedAsync();

        Assert.Null(recording.Error);
        var queued = recording.Updates.OfType<JobQueued>().First();
        Assert.Contains("4", queued.NodeErrors.Keys);
        Assert.Contains("4", recording.Result!.NodeErrors.Keys);
        Assert.Equal(["3"], recording.Result.Outputs.Keys);
    }

    [Fact]
    public async Task Run_InterruptedBySomeoneElse_ErrorsWithInterruptedException()
    {
        await using var h = await JobHarness.StartAsync(new ComfyEmulatorOptions
        {
            NodeDelays = new Dictionary<string, TimeSpan> { ["ImageBlur"] = TimeSpan.FromMilliseconds(300) },
        });
        var recording = JobRecording.Start(h.Client().Run(JobHarness.Load("slow_blur_chain")));
        await recording.WaitForAsync<JobNodeStarted>(n => n.ClassType == "ImageBlur");

        // A global interrupt from another app.
        using var response = await h.Http.PostAsync("/interrupt", null);
        await recording.EndedAsync();

        var error = Assert.IsType<ComfyInterruptedException>(recording.Error);
        Assert.Equal(recording.PromptId, error.PromptId);
        Assert.Equal(1, recording.Terminals);
    }

    [Fact]
    public async Task ToAsyncEnumerable_YieldsUpdatesEndingWithCompleted()
    {
        await using var h = await JobHarness.StartAsync();
        var updates = new List<JobUpdate>();

        await foreach (var update in h.Client().Run(JobHarness.Load("text_preview_any")).ToAsyncEnumerable().WithCancellation(CancellationToken.None))
        {
            updates.Add(update);
        }

        Assert.IsType<JobCompleted>(updates[^1]);
        Assert.Contains(updates, u => u is JobNodeOutput);
    }

    [Fact]
    public async Task ToAsyncEnumerable_JobFails_ThrowsTheJobsException()
    {
        await using var h = await JobHarness.StartAsync();

        await Assert.ThrowsAsync<ComfyExecutionException>(async () =>
        {
            await foreach (var _ in h.Client().Run(JobHarness.Load("runtime_error_channel_mismatch")).ToAsyncEnumerable())
            {
            }
        });
    }

    [Fact]
    public async Task RunAsync_Attachment_IsUploadedAndSubstituted()
    {
        await using var h = await JobHarness.StartAsync();
        var png = await File.ReadAllBytesAsync(Path.Combine(AppContext.BaseDirectory, "Jobs", "green-64x64.png"));
        var workflow = JobHarness.Load("load_image_invert_save");
        var loadNode = workflow.FindByClass("LoadImage").Single();

        var result = await h.Client().RunAsync(workflow, new JobOptions
        {
            Attachments = [JobAttachment.FromBytes($"{loadNode}.inputs.image", "attached.png", png)],
        });

        Assert.NotEmpty(result.Images);
        Assert.True(File.Exists(Path.Combine(h.Emulator.DataDirectory, "input", "attached.png")));
    }
}
