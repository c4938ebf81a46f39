using System.Text;
using ComfyUI.Reactive.Events;

namespace ComfyUI.Reactive.Tests.Events;

/// <summary>
/// The decoding budgets that the benchmarks measure, pinned as tests so a regression fails the build: a progress tick
/// allocates only its event, and a preview image is never copied.
/// </summary>
public sealed class AllocationTests
{
    // A ProgressEvent: object header and method table (16) + Type, PromptId, Node references (24) + two doubles (16).
    private const long ProgressEventBytes = 56;

    [Fact]
    public void ParseText_RecordedProgressFrame_AllocatesOnlyTheEvent()
    {
        var frame = Encoding.UTF8.GetBytes(RecordedFrames.AtLine(3310).Json);
        ComfyEventParser.ParseText(frame); // fills this thread's id cache, as the first tick of a prompt does

        const int Calls = 100;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Calls; i++)
        {
            ComfyEventParser.ParseText(frame);
        }

        var perCall = (GC.GetAllocatedBytesForCurrentThread() - before) / Calls;
        Assert.True(perCall <= ProgressEventBytes, $"A progress frame allocated {perCall} bytes; only the {ProgressEventBytes}-byte event is expected.");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void ParseBinary_LargePreview_DoesNotCopyTheImage(int eventType)
    {
        var image = new byte[512 * 1024];
        RecordedFrames.GreenPng.CopyTo(image, 0);
        var frame = eventType == 1
            ? RecordedFrames.Type1(2, image)
            : RecordedFrames.Type4(RecordedFrames.Binary[3].MetadataJson!, image);
        ComfyEventParser.ParseBinary(frame);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var preview = (PreviewImageEvent)ComfyEventParser.ParseBinary(frame);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(image.Length, preview.Image.Length);
        Assert.True(allocated < 1024, $"Decoding a 512 KB preview allocated {allocated} bytes.");
    }
}
