using System.Text;
using System.Text.Json;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Rest;

namespace ComfyUI.Reactive.Tests.Rest;

public sealed class QueueIdsReaderTests
{
    public static TheoryData<string> Queues => new()
    {
        // The recorded shape (real-transcripts.md, GET /queue while a prompt runs), with a graph in place of "<prompt>".
        """{"queue_running": [[22, "5c326099-51ac-40f8-97ed-b13f9b356fad", {"1": {"inputs": {"text": "a [b] {c}", "pair": ["2", 0]}, "class_type": "X"}}, {"client_id": "sdk-interrupt-85af5f"}, ["8"]]], "queue_pending": []}""",

        // The server's heap array is not sorted: ties on the number are broken by prompt id.
        """{"queue_running":[],"queue_pending":[[5,"b",{},{},[]],[2,"z",{},{},[]],[5,"a",{},{},[]]]}""",

        // Numbers as strings, the cloud's item layout, fields the SDK does not know, a null list.
        """{"queue_paused":true,"queue_running":null,"queue_pending":[["3","p3",{"1":{}},["9"],{"secret":"x"}],[-1,"front",{},{},[],{"extra":[1,[2]]}]],"more":{"a":[1,2]}}""",

        """{"queue_running":[],"queue_pending":[]}""",
    };

    [Theory]
    [MemberData(nameof(Queues))]
    public void Read_GivesTheIdsAndOrderOfTheFullRead(string json)
    {
        var full = JsonSerializer.Deserialize(json, ComfyRestJsonContext.Default.QueueState)!;

        var ids = QueueIdsReader.Read(Encoding.UTF8.GetBytes(json));

        Assert.Equal(full.Running.Select(i => (i.Number, i.PromptId)), ids.Running.Select(i => (i.Number, i.PromptId)));
        Assert.Equal(full.Pending.Select(i => (i.Number, i.PromptId)), ids.Pending.Select(i => (i.Number, i.PromptId)));
    }

    [Fact]
    public void Read_LeavesTheGraphsUnread()
    {
        var ids = QueueIdsReader.Read(Encoding.UTF8.GetBytes(
            """{"queue_running":[[1,"p",{"1":{"class_type":"X"}},{"client_id":"c"},["1"]]],"queue_pending":[]}"""));

        var item = Assert.Single(ids.Running);
        Assert.Equal(JsonValueKind.Undefined, item.Prompt.ValueKind);
        Assert.Equal(JsonValueKind.Undefined, item.Raw.ValueKind);
        Assert.Empty(item.OutputsToExecute);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("""{"queue_running":[{"not":"an array"}]}""")]
    [InlineData("""{"queue_running":[[1,"p",""")]
    public void Read_NotAQueue_IsAJsonException(string json)
    {
        Assert.ThrowsAny<JsonException>(() => QueueIdsReader.Read(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public async Task GetQueueIdsAsync_ReadsTheQueueRoute()
    {
        var handler = FakeHttpHandler.Json("""{"queue_running":[],"queue_pending":[[1,"p",{},{},[]]]}""");
        var api = TestApi.Over(handler);

        var queue = await api.GetQueueIdsAsync(CancellationToken.None);

        Assert.Equal("p", Assert.Single(queue.Pending).PromptId);
        Assert.Equal("/api/queue", handler.Single.Uri.AbsolutePath);
    }
}
