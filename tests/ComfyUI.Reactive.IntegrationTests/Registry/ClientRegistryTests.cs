using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using ComfyUI.Reactive.IntegrationTests.Jobs;
using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Registry;

namespace ComfyUI.Reactive.IntegrationTests.Registry;

/// <summary>Jobs by id on one <see cref="ComfyClient"/> against the emulator over real sockets.</summary>
public sealed class ClientRegistryTests
{
    [Fact]
    public async Task Enqueue_ObservedAfterItFinished_ReplaysTheResultAndGetAsyncSaysCompleted()
    {
        await using var h = await JobHarness.StartAsync();
        var client = h.Client();
        var finished = client.Jobs.FirstAsync(e => e.Kind is JobEventKind.Completed or JobEventKind.Failed).ToTask();

        var id = client.Enqueue(JobHarness.Load("txt2img_sd15"));
        var end = await finished.WaitAsync(JobHarness.Wait);
        var replay = await client.Observe(id).ToList().ToTask().WaitAsync(JobHarness.Wait);
        var snapshot = await client.GetAsync(id);

        Assert.Equal(JobEventKind.Completed, end.Kind);
        Assert.Equal(id, end.Id);
        var completed = Assert.IsType<JobCompleted>(replay[^1]);
        Assert.Contains(replay, u => u is JobNodeOutput { Output.NodeId: "9" });
        Assert.Equal(JobStatus.Completed, snapshot!.Status);
        Assert.Equal(completed.Result.PromptId, snapshot.PromptId);
        Assert.Single(snapshot.Result!.Outputs["9"].Images);
    }

    [Fact]
    public async Task Cancel_QueuedBehindAnotherJob_DeletedFromTheServerQueue()
    {
        // The second is submitted only once the server has the first (two submissions in flight may reach it in either
        // order, and then the "second" runs and is interrupted instead), and the first job's sampler hangs until the
        // cancel has reached the server, so the second is still queued when it is cancelled however loaded the machine
        // is (fixed run times of 1 s and later 3 s were not always enough).
        await using var h = await JobHarness.StartAsync();
        h.Emulator.Faults.HangNode("KSampler");
        var client = h.Client();
        var first = client.Enqueue(JobHarness.Load("txt2img_sd15"));
        await client.Observe(first).OfType<JobQueued>().FirstAsync().ToTask().WaitAsync(JobHarness.Wait);
        var second = client.Enqueue(JobHarness.Load("txt2img_sd15"));
        await client.Observe(second).OfType<JobQueued>().FirstAsync().ToTask().WaitAsync(JobHarness.Wait);

        Assert.True(client.Cancel(second));
        await client.WhenCancellationsSentAsync().WaitAsync(JobHarness.Wait);
        var secondPromptId = (await client.GetAsync(second))!.PromptId;
        Assert.DoesNotContain((await client.Api.GetQueueAsync()).Pending, i => i.PromptId == secondPromptId);
        h.Emulator.Faults.ReleaseHungNodes();
        await client.Observe(first).LastAsync().ToTask().WaitAsync(JobHarness.Wait);

        Assert.Equal(JobStatus.Cancelled, (await client.GetAsync(second))!.Status);
        Assert.Equal(JobStatus.Completed, (await client.GetAsync(first))!.Status);
        Assert.Equal(1, h.Emulator.TotalExecutions);
    }
}
