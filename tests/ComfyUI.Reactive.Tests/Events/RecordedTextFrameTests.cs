using System.Text;
using System.Text.Json;
using ComfyUI.Reactive.Events;

namespace ComfyUI.Reactive.Tests.Events;

/// <summary>
/// Every text frame the real server sent parses to the right record, and every field of the record equals the
/// frame's JSON read independently with <see cref="JsonDocument"/>.
/// </summary>
public sealed class RecordedTextFrameTests
{
    public static TheoryData<int, string> AllFrames()
    {
        var data = new TheoryData<int, string>();
        foreach (var frame in RecordedFrames.Text)
        {
            data.Add(frame.Line, frame.Section);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllFrames))]
    public void ParseText_RecordedFrame_MatchesItsJsonFieldByField(int line, string section)
    {
        var frame = RecordedFrames.AtLine(line);
        Assert.Equal(section, frame.Section);

        using var document = JsonDocument.Parse(frame.Json);
        var root = document.RootElement;

        // Both overloads: the socket hands out UTF-8 bytes, tests and tools often have strings.
        AssertMatches(root, ComfyEventParser.ParseText(Encoding.UTF8.GetBytes(frame.Json)));
        AssertMatches(root, ComfyEventParser.ParseText(frame.Json));
    }

    [Fact]
    public void Fixture_CoversEveryRecordedMessageType()
    {
        var types = RecordedFrames.Text
            .Select(f => JsonDocument.Parse(f.Json).RootElement.GetProperty("type").GetString())
            .ToHashSet();

        Assert.Equal(355, RecordedFrames.Text.Count);
        Assert.Superset(
            new HashSet<string?>
            {
                "status", "feature_flags", "execution_start", "execution_cached", "executing", "executed", "progress",
                "progress_state", "execution_success", "execution_error", "execution_interrupted",
            },
            types);
    }

    private static void AssertMatches(JsonElement root, ComfyEvent parsed)
    {
        var type = root.GetProperty("type").GetString()!;
        var data = root.GetProperty("data");
        Assert.Equal(type, parsed.Type);
        Assert.IsNotType<UnknownEvent>(parsed);

        switch (parsed)
        {
            case StatusEvent status:
                Assert.Equal(data.GetProperty("status").GetProperty("exec_info").GetProperty("queue_remaining").GetInt32(), status.QueueRemaining);
                Assert.Equal(Str(data, "sid"), status.Sid);
                Assert.Null(status.PromptId);
                break;
            case FeatureFlagsEvent flags:
                Assert.Equal(data.EnumerateObject().Select(p => p.Name).Order(), flags.Flags.Keys.Order());
                foreach (var property in data.EnumerateObject())
                {
                    Assert.Equal(property.Value.GetRawText(), flags.Flags[property.Name].GetRawText());
                }

                Assert.Equal(data.GetProperty("supports_preview_metadata").GetBoolean(), flags.SupportsPreviewMetadata);
                Assert.Equal(data.GetProperty("max_upload_size").GetDouble(), flags.MaxUploadSize);
                Assert.False(flags.SupportsProgressTextMetadata);
                Assert.Null(flags.PromptId);
                break;
            case ExecutionStartEvent start:
                Assert.Equal(Str(data, "prompt_id"), start.PromptId);
                Assert.Equal(data.GetProperty("timestamp").GetInt64(), start.Timestamp);
                break;
            case ExecutionCachedEvent cached:
                Assert.Equal(Str(data, "prompt_id"), cached.PromptId);
                Assert.Equal(data.GetProperty("timestamp").GetInt64(), cached.Timestamp);
                Assert.Equal(Strings(data, "nodes"), cached.Nodes);
                break;
            case ExecutingEvent executing:
                Assert.Equal(Str(data, "node"), executing.Node);
                Assert.Equal(Str(data, "display_node"), executing.DisplayNode);
                Assert.Equal(Str(data, "prompt_id"), executing.PromptId);
                Assert.Equal(data.GetProperty("node").ValueKind == JsonValueKind.Null, executing.IsPromptFinished);
                break;
            case ExecutedEvent executed:
                Assert.Equal(Str(data, "node"), executed.Node);
                Assert.Equal(Str(data, "display_node"), executed.DisplayNode);
                Assert.Equal(Str(data, "prompt_id"), executed.PromptId);
                AssertOutput(data.GetProperty("output"), executed);
                break;
            case ProgressEvent progress:
                Assert.Equal(data.GetProperty("value").GetDouble(), progress.Value);
                Assert.Equal(data.GetProperty("max").GetDouble(), progress.Max);
                Assert.Equal(Str(data, "prompt_id"), progress.PromptId);
                Assert.Equal(Str(data, "node"), progress.Node);
                break;
            case ProgressStateEvent state:
                Assert.Equal(Str(data, "prompt_id"), state.PromptId);
                var nodes = data.GetProperty("nodes");
                Assert.Equal(nodes.EnumerateObject().Select(p => p.Name).Order(), state.Nodes.Keys.Order());
                foreach (var node in nodes.EnumerateObject())
                {
                    var actual = state.Nodes[node.Name];
                    var expected = node.Value;
                    Assert.Equal(expected.GetProperty("value").GetDouble(), actual.Value);
                    Assert.Equal(expected.GetProperty("max").GetDouble(), actual.Max);
                    Assert.Equal(Str(expected, "state"), actual.State);
                    Assert.Equal(Str(expected, "node_id"), actual.NodeId);
                    Assert.Equal(Str(expected, "prompt_id"), actual.PromptId);
                    Assert.Equal(Str(expected, "display_node_id"), actual.DisplayNodeId);
                    Assert.Equal(Str(expected, "parent_node_id"), actual.ParentNodeId);
                    Assert.Equal(Str(expected, "real_node_id"), actual.RealNodeId);
                    Assert.Equal(Str(expected, "state") == "finished", actual.IsFinished);
                }

                break;
            case ExecutionSuccessEvent success:
                Assert.Equal(Str(data, "prompt_id"), success.PromptId);
                Assert.Equal(data.GetProperty("timestamp").GetInt64(), success.Timestamp);
                break;
            case ExecutionErrorEvent error:
                Assert.Equal(Str(data, "prompt_id"), error.PromptId);
                Assert.Equal(Str(data, "node_id"), error.NodeId);
                Assert.Equal(Str(data, "node_type"), error.NodeType);
                Assert.Equal(Strings(data, "executed"), error.Executed);
                Assert.Equal(Str(data, "exception_message"), error.ExceptionMessage);
                Assert.Equal(Str(data, "exception_type"), error.ExceptionType);
                Assert.Equal(Strings(data, "traceback"), error.Traceback);
                Assert.Equal(data.GetProperty("current_inputs").GetRawText(), error.CurrentInputs.GetRawText());
                Assert.Equal(Strings(data, "current_outputs"), error.CurrentOutputs);
                Assert.Equal(data.GetProperty("timestamp").GetInt64(), error.Timestamp);
                Assert.Equal(Str(data, "exception_type") != "ExecutionBlocked", error.IsTerminal);
                break;
            case ExecutionInterruptedEvent interrupted:
                Assert.Equal(Str(data, "prompt_id"), interrupted.PromptId);
                Assert.Equal(Str(data, "node_id"), interrupted.NodeId);
                Assert.Equal(Str(data, "node_type"), interrupted.NodeType);
                Assert.Equal(Strings(data, "executed"), interrupted.Executed);
                Assert.Equal(data.GetProperty("timestamp").GetInt64(), interrupted.Timestamp);
                break;
            default:
                Assert.Fail($"Unexpected event {parsed.GetType().Name} for a recorded '{type}' frame.");
                break;
        }

        // The uniform filter property agrees with the frame wherever the frame has a prompt id at top level.
        Assert.Equal(Str(data, "prompt_id"), parsed.PromptId);
    }

    private static void AssertOutput(JsonElement expected, ExecutedEvent executed)
    {
        if (expected.ValueKind == JsonValueKind.Null)
        {
            Assert.Null(executed.Output);
            return;
        }

        var output = Assert.IsType<Models.NodeOutput>(executed.Output);
        Assert.Equal(expected.GetRawText(), output.Raw.GetRawText());
        var images = expected.TryGetProperty("images", out var list) ? list.EnumerateArray().ToList() : [];
        Assert.Equal(images.Count, output.Images.Count);
        for (var i = 0; i < images.Count; i++)
        {
            Assert.Equal(Str(images[i], "filename"), output.Images[i].Filename);
            Assert.Equal(Str(images[i], "subfolder"), output.Images[i].Subfolder);
            Assert.Equal(Str(images[i], "type"), output.Images[i].Type);
        }

        Assert.Equal(Strings(expected, "text"), output.Text);
    }

    private static string? Str(JsonElement element, string key) =>
        element.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static List<string> Strings(JsonElement element, string key) =>
        element.TryGetProperty(key, out var list) ? [.. list.EnumerateArray().Select(i => i.GetString()!)] : [];
}
