using System.Text.Json;
using ComfyUI.Reactive.Jobs;

namespace ComfyUI.Reactive.Tests.Jobs;

/// <summary>The pool's per-attempt copy of a job's options (<c>WithBeforeSubmit</c>) keeps every other setting: a property
/// added to <see cref="JobOptions"/> and forgotten in the copy would be silently dropped for pooled jobs.</summary>
public sealed class JobOptionsCopyTests
{
    [Fact]
    public async Task WithBeforeSubmit_EveryOtherPropertyIsCopied_AndBothHooksRunInOrder()
    {
        var calls = new List<string>();
        var original = new JobOptions
        {
            StartTimeout = TimeSpan.FromSeconds(1),
            InactivityTimeout = TimeSpan.FromSeconds(2),
            OverallTimeout = TimeSpan.FromSeconds(3),
            ReconcileAfterSilence = TimeSpan.FromSeconds(4),
            PreviewInterval = TimeSpan.FromSeconds(5),
            ValidateBeforeSubmit = false,
            Front = true,
            Number = 7,
            ExtraData = new Dictionary<string, JsonElement> { ["k"] = JsonSerializer.SerializeToElement(1) },
            PartialExecutionTargets = ["9"],
            ComfyOrgApiKey = "key",
            Attachments = [JobAttachment.FromBytes("1.inputs.image", "a.png", new byte[] { 1, 2, 3 })],
            TrackQueuePosition = false,
            BeforeSubmit = (id, _) => { calls.Add("own " + id); return Task.CompletedTask; },
        };

        var copy = original.WithBeforeSubmit((id, _) => { calls.Add("pool " + id); return Task.CompletedTask; });

        foreach (var property in typeof(JobOptions).GetProperties().Where(p => p.Name != nameof(JobOptions.BeforeSubmit)))
        {
            var value = property.GetValue(original);
            Assert.True(Equals(value, property.GetValue(copy)), $"{property.Name} was not copied");
            Assert.True(value is not null && !Equals(value, property.GetValue(new JobOptions())), $"the test sets no non-default {property.Name}");
        }

        await copy.BeforeSubmit!("p-1", CancellationToken.None);
        Assert.Equal(["own p-1", "pool p-1"], calls);
    }
}
