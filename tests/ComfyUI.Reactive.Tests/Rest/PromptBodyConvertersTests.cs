using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Rest;

namespace ComfyUI.Reactive.Tests.Rest;

/// <summary>
/// The bodies of every submission are written and read by hand (<see cref="PromptRequestJsonConverter"/>,
/// <see cref="PromptResponseJsonConverter"/>), so that a process's first submission does not make the JIT compile
/// System.Text.Json's property metadata for them; the shapes are the generated ones.
/// </summary>
public sealed class PromptBodyConvertersTests
{
    private static readonly ComfyRestJsonContext Json = ComfyRestJsonContext.Default;

    [Fact]
    public void TypeInfos_AreConverterBased_NoPropertyMetadata()
    {
        Assert.Equal(JsonTypeInfoKind.None, Json.PromptRequest.Kind);
        Assert.Equal(JsonTypeInfoKind.None, Json.PromptResponse.Kind);
    }

    [Fact]
    public void PromptRequest_AllMembers_WritesTheProtocolShapeAndReadsItBack()
    {
        var request = new PromptRequest
        {
            Prompt = Parse("""{"1":{"class_type":"EmptyImage","inputs":{"width":64}}}"""),
            ClientId = "c",
            PromptId = "p",
            Front = false,
            Number = 2.5,
            ExtraData = new Dictionary<string, JsonElement> { ["extra_pnginfo"] = Parse("""{"a":[1,"x"]}""") },
            PartialExecutionTargets = ["9", "12"],
        };

        var json = JsonSerializer.Serialize(request, Json.PromptRequest);

        Assert.Equal(
            """{"prompt":{"1":{"class_type":"EmptyImage","inputs":{"width":64}}},"client_id":"c","prompt_id":"p","front":false,"number":2.5,"extra_data":{"extra_pnginfo":{"a":[1,"x"]}},"partial_execution_targets":["9","12"]}""",
            json);
        var back = JsonSerializer.Deserialize(json, Json.PromptRequest)!;
        Assert.Equal(json, JsonSerializer.Serialize(back, Json.PromptRequest));
    }

    [Fact]
    public void PromptRequest_OnlyPrompt_LeavesTheRestOutAndReadsThemAsNull()
    {
        var json = JsonSerializer.Serialize(new PromptRequest { Prompt = Parse("{}") }, Json.PromptRequest);

        Assert.Equal("""{"prompt":{}}""", json);
        var back = JsonSerializer.Deserialize(json, Json.PromptRequest)!;
        Assert.Equal((null, null, null, null), (back.ClientId, back.PromptId, back.Front, back.Number));
        Assert.Null(back.ExtraData);
        Assert.Null(back.PartialExecutionTargets);
    }

    [Fact]
    public void PromptRequest_NoPrompt_FailsToWriteLikeTheGeneratedSerializer() =>
        Assert.ThrowsAny<InvalidOperationException>(() => JsonSerializer.Serialize(new PromptRequest(), Json.PromptRequest));

    [Theory]
    [InlineData("""{"prompt_id":"p","number":7,"node_errors":{}}""", 7)]
    [InlineData("""{"prompt_id":"p","number":"7.5","node_errors":{},"extra":{"x":[1]}}""", 7.5)]
    [InlineData("""{"prompt_id":"p","number":null}""", 0)]
    public void PromptResponse_NumberAsNumberStringOrNull_UnknownFieldsSkipped(string json, double number)
    {
        var response = JsonSerializer.Deserialize(json, Json.PromptResponse)!;

        Assert.Equal(("p", number, false), (response.PromptId, response.Number, response.HasNodeErrors));
    }

    [Fact]
    public void PromptResponse_WithNodeErrors_RoundTrips()
    {
        const string json = """{"prompt_id":"p","number":1,"node_errors":{"4":{"errors":[{"type":"value_not_in_list","message":"m","details":"d","extra_info":{}}],"dependent_outputs":["9"],"class_type":"CheckpointLoaderSimple"}}}""";

        var response = JsonSerializer.Deserialize(json, Json.PromptResponse)!;

        Assert.Equal("value_not_in_list", response.NodeErrors["4"].Errors[0].Type);
        Assert.Equal(json, JsonSerializer.Serialize(response, Json.PromptResponse));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("""{"prompt_id":"p","number":[1]}""")]
    public void PromptResponse_NotTheProtocolShape_IsAJsonException(string json) =>
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize(json, Json.PromptResponse));

    [Fact]
    public void PromptRequest_TargetThatIsNotAString_IsAJsonException() =>
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("""{"prompt":{},"partial_execution_targets":[9]}""", Json.PromptRequest));

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement.Clone();
}
