using System.Text;
using System.Text.Json;
using ComfyUI.Reactive.Events;

namespace ComfyUI.Reactive.Tests.Events;

/// <summary>Notable recorded frames, shapes of other server versions, and malformed input.</summary>
public sealed class TextFrameParserTests
{
    private const string BasicRun = "2. Basic run";

    [Fact]
    public void ParseText_FirstStatusOfSocket_HasSidAndQueue()
    {
        var frame = RecordedFrames.First(BasicRun, j => j.Contains("\"sid\"", StringComparison.Ordinal));

        var status = Assert.IsType<StatusEvent>(ComfyEventParser.ParseText(frame.Json));

        Assert.Equal("sdk-client-a-370aad71", status.Sid);
        Assert.Equal(0, status.QueueRemaining);
        Assert.Null(status.PromptId);
    }

    [Fact]
    public void ParseText_LaterStatus_HasNoSid()
    {
        var status = Assert.IsType<StatusEvent>(ComfyEventParser.ParseText(
            """{"type": "status", "data": {"status": {"exec_info": {"queue_remaining": 1}}}}"""));

        Assert.Null(status.Sid);
        Assert.Equal(1, status.QueueRemaining);
    }

    [Fact]
    public void ParseText_ExecutingNull_MarksPromptFinished()
    {
        var frame = RecordedFrames.First(BasicRun, j => j.Contains("\"node\": null", StringComparison.Ordinal));

        var executing = Assert.IsType<ExecutingEvent>(ComfyEventParser.ParseText(frame.Json));

        Assert.True(executing.IsPromptFinished);
        Assert.Null(executing.Node);
        Assert.Null(executing.DisplayNode);
        Assert.Equal("8248c8f1-47af-4b62-b274-5f540f8929e9", executing.PromptId);
    }

    [Fact]
    public void ParseText_ReplayedExecutingAfterReconnect_HasNoPromptIdNorDisplayNode()
    {
        var frame = RecordedFrames.AtLine(3062);
        Assert.Equal("""{"type": "executing", "data": {"node": "2"}}""", frame.Json);

        var executing = Assert.IsType<ExecutingEvent>(ComfyEventParser.ParseText(frame.Json));

        Assert.Equal("2", executing.Node);
        Assert.Null(executing.DisplayNode);
        Assert.Null(executing.PromptId);
        Assert.False(executing.IsPromptFinished);
    }

    [Fact]
    public void ParseText_ExecutedWithTwoImagesInSubfolder_TypesEveryImage()
    {
        var frame = RecordedFrames.First("4. Pipeline", j => j.Contains("scaled_00002_", StringComparison.Ordinal));

        var executed = Assert.IsType<ExecutedEvent>(ComfyEventParser.ParseText(frame.Json));

        Assert.Equal("5", executed.Node);
        Assert.Equal("5", executed.DisplayNode);
        Assert.Equal("83ec74b7-f00b-4991-929a-531090723c6a", executed.PromptId);
        Assert.NotNull(executed.Output);
        Assert.Collection(
            executed.Output.Images,
            i => Assert.Equal(new Models.ComfyFileReference("scaled_00001_.png", "sdk_pipeline", "output"), i),
            i => Assert.Equal(new Models.ComfyFileReference("scaled_00002_.png", "sdk_pipeline", "output"), i));
        Assert.Empty(executed.Output.Text);
    }

    [Fact]
    public void ParseText_ExecutedOfPreviewAny_HasTextOutput()
    {
        var frame = RecordedFrames.First("8. Non-image output", j => j.Contains("\"executed\"", StringComparison.Ordinal));

        var executed = Assert.IsType<ExecutedEvent>(ComfyEventParser.ParseText(frame.Json));

        Assert.NotNull(executed.Output);
        Assert.Equal(["Hello, ComfyUI"], executed.Output.Text);
        Assert.Empty(executed.Output.Images);
    }

    [Fact]
    public void ParseText_ExecutedOfCachedNodeWithoutUi_HasNullOutput()
    {
        // A cached node without cached UI sends output: null (PROTOCOL.md §3.3); the recorded run had UI everywhere,
        // so this is a recorded frame with its output replaced.
        var recorded = RecordedFrames.First("3. Identical", j => j.Contains("\"executed\"", StringComparison.Ordinal)).Json;
        var start = recorded.IndexOf("\"output\": ", StringComparison.Ordinal) + "\"output\": ".Length;
        var end = recorded.IndexOf(", \"prompt_id\"", StringComparison.Ordinal);
        var json = string.Concat(recorded.AsSpan(0, start), "null", recorded.AsSpan(end));

        var executed = Assert.IsType<ExecutedEvent>(ComfyEventParser.ParseText(json));

        Assert.Null(executed.Output);
        Assert.Equal("3", executed.Node);
        Assert.Equal("7ea641c4-0f06-4d69-8c03-3b62397932b0", executed.PromptId);
    }

    [Fact]
    public void ParseText_RuntimeError_KeepsTracebackInputsAndOutputs()
    {
        var frame = RecordedFrames.First("7. Runtime error", j => j.Contains("execution_error", StringComparison.Ordinal));

        var error = Assert.IsType<ExecutionErrorEvent>(ComfyEventParser.ParseText(frame.Json));

        Assert.Equal("4c086c4e-28f3-41fa-9c23-589a51409c5e", error.PromptId);
        Assert.Equal("4", error.NodeId);
        Assert.Equal("ImageBatch", error.NodeType);
        Assert.Equal(["3", "2", "1"], error.Executed);
        Assert.Equal("RuntimeError", error.ExceptionType);
        Assert.StartsWith("Sizes of tensors must match", error.ExceptionMessage, StringComparison.Ordinal);
        Assert.Equal(5, error.Traceback.Count);
        Assert.Contains("line 1857, in batch", error.Traceback[4], StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Object, error.CurrentInputs.ValueKind);
        Assert.StartsWith("tensor(", error.CurrentInputs.GetProperty("image1")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(["2", "1", "3", "4", "5"], error.CurrentOutputs);
        Assert.Equal(1795617380660, error.Timestamp);
        Assert.True(error.IsTerminal);
    }

    [Fact]
    public void ParseText_ExecutionBlocked_IsNotTerminalAndKeepsArrayInputs()
    {
        // The shape the server sends for an ExecutionBlocker with a message (PROTOCOL.md §3.3): no timestamp,
        // current_inputs an empty array, node_id possibly an expansion id.
        const string json = """
            {"type": "execution_error", "data": {"prompt_id": "p-1", "node_id": "5.0.0.1", "node_type": "TestBlocker",
             "executed": ["1"], "exception_message": "Execution Blocked: nope", "exception_type": "ExecutionBlocked",
             "traceback": [], "current_inputs": [], "current_outputs": []}}
            """;

        var error = Assert.IsType<ExecutionErrorEvent>(ComfyEventParser.ParseText(json));

        Assert.False(error.IsTerminal);
        Assert.Null(error.Timestamp);
        Assert.Equal(JsonValueKind.Array, error.CurrentInputs.ValueKind);
        Assert.Equal(0, error.CurrentInputs.GetArrayLength());
        Assert.Equal("5.0.0.1", error.NodeId);
        Assert.Empty(error.Traceback);
    }

    [Fact]
    public void ParseText_DependencyCycleError_IsTerminalWithArrayInputs()
    {
        const string json = """
            {"type": "execution_error", "data": {"prompt_id": "p-1", "node_id": "3", "node_type": "X", "executed": [],
             "exception_message": "cycle", "exception_type": "graph.DependencyCycleError", "traceback": [],
             "current_inputs": [], "current_outputs": [], "timestamp": 1}}
            """;

        var error = Assert.IsType<ExecutionErrorEvent>(ComfyEventParser.ParseText(json));

        Assert.True(error.IsTerminal);
        Assert.Equal(JsonValueKind.Array, error.CurrentInputs.ValueKind);
    }

    [Fact]
    public void ParseText_LastProgressStateOfRun_IsCumulative()
    {
        var frame = RecordedFrames.Text
            .Where(f => f.Section.StartsWith("13a.", StringComparison.Ordinal) && f.Json.Contains("progress_state", StringComparison.Ordinal))
            .Last();

        var state = Assert.IsType<ProgressStateEvent>(ComfyEventParser.ParseText(frame.Json));

        Assert.Equal("07596c0e-888c-48a2-95e0-1022cb3a08c4", state.PromptId);
        Assert.Equal(["1", "2", "3"], state.Nodes.Keys.Order());
        Assert.All(state.Nodes.Values, n => Assert.True(n.IsFinished));
        Assert.Equal(new NodeProgressState(8, 8, "finished", "2", state.PromptId, "2", null, "2"), state.Nodes["2"]);
        Assert.Equal(new NodeProgressState(1, 1, "finished", "1", state.PromptId, "1", null, "1"), state.Nodes["1"]);
    }

    [Fact]
    public void ParseText_RecordedProgress_ReadsIntegerNumbersAsDoubles()
    {
        var progress = Assert.IsType<ProgressEvent>(ComfyEventParser.ParseText(RecordedFrames.AtLine(3310).Json));

        Assert.Equal(new ProgressEvent(1, 8, "07596c0e-888c-48a2-95e0-1022cb3a08c4", "2"), progress);
    }

    [Fact]
    public void ParseText_ProgressWithFloatsAndNullNode_Parses()
    {
        var progress = Assert.IsType<ProgressEvent>(ComfyEventParser.ParseText(
            """{"type": "progress", "data": {"value": 0.25, "max": 1.5, "prompt_id": null, "node": null}}"""));

        Assert.Equal(0.25, progress.Value);
        Assert.Equal(1.5, progress.Max);
        Assert.Null(progress.Node);
        Assert.Null(progress.PromptId);
    }

    [Fact]
    public void ParseText_RecordedFeatureFlags_ReadsTypedFlags()
    {
        var frame = RecordedFrames.First(BasicRun, j => j.Contains("feature_flags", StringComparison.Ordinal));

        var flags = Assert.IsType<FeatureFlagsEvent>(ComfyEventParser.ParseText(frame.Json));

        Assert.True(flags.SupportsPreviewMetadata);
        Assert.Equal(104857600d, flags.MaxUploadSize);
        Assert.False(flags.SupportsProgressTextMetadata);
        Assert.Equal(2, flags.Flags.Count);
    }

    [Fact]
    public void ParseText_NewerFeatureFlags_KeepsEveryFlagAndReadsFloatSize()
    {
        const string json = """
            {"type": "feature_flags", "data": {"supports_preview_metadata": false, "max_upload_size": 104857600.0,
             "extension": {"manager": {"supports_v4": true}}, "node_replacements": true, "assets": false,
             "supports_progress_text_metadata": true, "show_signin_button": "yes"}}
            """;

        var flags = Assert.IsType<FeatureFlagsEvent>(ComfyEventParser.ParseText(json));

        Assert.False(flags.SupportsPreviewMetadata);
        Assert.True(flags.SupportsProgressTextMetadata);
        Assert.Equal(104857600d, flags.MaxUploadSize);
        Assert.True(flags.Flags["extension"].GetProperty("manager").GetProperty("supports_v4").GetBoolean());
        Assert.Equal("yes", flags.Flags["show_signin_button"].GetString());
        Assert.Equal(7, flags.Flags.Count);
    }

    [Fact]
    public void ParseText_EmptyFeatureFlags_DefaultsToNothingSupported()
    {
        var flags = Assert.IsType<FeatureFlagsEvent>(ComfyEventParser.ParseText("""{"type":"feature_flags","data":{}}"""));

        Assert.False(flags.SupportsPreviewMetadata);
        Assert.Null(flags.MaxUploadSize);
        Assert.Empty(flags.Flags);
    }

    [Fact]
    public void ParseText_Logs_ReadsEntriesAndSize()
    {
        const string json = """
            {"type": "logs", "data": {"entries": [{"t": "2026-11-25T14:36:17.123456", "m": "Prompt executed\n"},
             {"t": "2026-11-25T14:36:18.000001", "m": "x"}], "size": {"cols": 120, "rows": 40}}}
            """;

        var logs = Assert.IsType<LogsEvent>(ComfyEventParser.ParseText(json));

        Assert.Equal(
            [new LogEntry("2026-11-25T14:36:17.123456", "Prompt executed\n"), new LogEntry("2026-11-25T14:36:18.000001", "x")],
            logs.Entries);
        Assert.Equal(new TerminalSize(120, 40), logs.Size);
        Assert.Null(logs.PromptId);
    }

    [Fact]
    public void ParseText_LogsWithoutTerminal_HasNullSize()
    {
        var logs = Assert.IsType<LogsEvent>(ComfyEventParser.ParseText(
            """{"type": "logs", "data": {"entries": [], "size": null}}"""));

        Assert.Empty(logs.Entries);
        Assert.Null(logs.Size);
    }

    [Fact]
    public void ParseText_InterruptedWithoutTimestamp_HasNullTimestamp()
    {
        var interrupted = Assert.IsType<ExecutionInterruptedEvent>(ComfyEventParser.ParseText(
            """{"type": "execution_interrupted", "data": {"prompt_id": "p", "node_id": "2", "node_type": "K", "executed": []}}"""));

        Assert.Null(interrupted.Timestamp);
        Assert.Equal("p", interrupted.PromptId);
    }

    [Fact]
    public void ParseText_OldServerFrames_MissingNewerFieldsBecomeNull()
    {
        var executing = Assert.IsType<ExecutingEvent>(ComfyEventParser.ParseText(
            """{"type": "executing", "data": {"node": "3", "prompt_id": "p"}}"""));
        var start = Assert.IsType<ExecutionStartEvent>(ComfyEventParser.ParseText(
            """{"type": "execution_start", "data": {"prompt_id": "p"}}"""));
        var progress = Assert.IsType<ProgressEvent>(ComfyEventParser.ParseText(
            """{"type": "progress", "data": {"value": 3, "max": 20}}"""));

        Assert.Null(executing.DisplayNode);
        Assert.Null(start.Timestamp);
        Assert.Null(progress.PromptId);
        Assert.Null(progress.Node);
    }

    [Fact]
    public void ParseText_UnknownFields_AreIgnored()
    {
        const string json = """
            {"type": "progress", "extra": [1, {"a": 2}], "data": {"workflow_id": "w", "value": 2, "nested": {"value": 99},
             "max": 4, "prompt_id": "p", "node": "7", "more": [[]]}, "trailer": null}
            """;

        Assert.Equal(new ProgressEvent(2, 4, "p", "7"), ComfyEventParser.ParseText(json));
    }

    [Theory]
    [InlineData("""{"data": {"value": 2, "max": 4, "prompt_id": "p", "node": "7"}, "type": "progress"}""")]
    [InlineData("""{"type": "progress", "data": {"value": 2, "max": 4, "prompt_id": "p", "node": "7"}}""")]
    [InlineData("""{"type":"progress","data":{"max":4.0,"node":"7","prompt_id":"p","value":2.0}}""")]
    public void ParseText_FieldOrderAndNumberFormat_DoNotMatter(string json)
    {
        Assert.Equal(new ProgressEvent(2, 4, "p", "7"), ComfyEventParser.ParseText(json));
    }

    [Fact]
    public void ParseText_DataBeforeTypeForDocumentMessage_Parses()
    {
        var success = Assert.IsType<ExecutionSuccessEvent>(ComfyEventParser.ParseText(
            """{"data": {"prompt_id": "p", "timestamp": 5}, "type": "execution_success"}"""));

        Assert.Equal(new ExecutionSuccessEvent("p", 5), success);
    }

    [Fact]
    public void ParseText_EscapedStrings_AreUnescaped()
    {
        var executing = Assert.IsType<ExecutingEvent>(ComfyEventParser.ParseText(
            """{"type": "executing", "data": {"node": "\u0035", "display_node": "5", "prompt_id": "caf\u00e9"}}"""));

        Assert.Equal("5", executing.Node);
        Assert.Equal("café", executing.PromptId);
    }

    [Fact]
    public void ParseText_FloatQueueCount_IsReadAsInteger()
    {
        var status = Assert.IsType<StatusEvent>(ComfyEventParser.ParseText(
            """{"type": "status", "data": {"status": {"exec_info": {"queue_remaining": 3.0}}}}"""));

        Assert.Equal(3, status.QueueRemaining);
    }

    [Fact]
    public void ParseText_UnknownType_KeepsRawJsonIntact()
    {
        const string json = """{"type": "notification", "data": {"value": "Update available", "id": null, "n": [1.50, {"x": true}]}}""";

        var unknown = Assert.IsType<UnknownEvent>(ComfyEventParser.ParseText(Encoding.UTF8.GetBytes(json)));

        Assert.Equal("notification", unknown.Type);
        Assert.Equal(json, unknown.Raw.GetRawText());
        Assert.Equal("Update available", unknown.Data.GetProperty("value").GetString());
        Assert.Null(unknown.PromptId);
    }

    [Fact]
    public void ParseText_UnknownTypeWithPromptId_ExposesItForFiltering()
    {
        var unknown = Assert.IsType<UnknownEvent>(ComfyEventParser.ParseText(
            """{"type": "assets.seed.progress", "data": {"prompt_id": "p-9", "done": 3}}"""));

        Assert.Equal("assets.seed.progress", unknown.Type);
        Assert.Equal("p-9", unknown.PromptId);
    }

    [Theory]
    [InlineData("""{"type": "display_component"}""")]
    [InlineData("""{"type": "custom", "data": [1, 2]}""")]
    [InlineData("""{"type": "custom", "data": "text"}""")]
    public void ParseText_UnknownTypeWithoutObjectData_IsStillUnknownEvent(string json)
    {
        var unknown = Assert.IsType<UnknownEvent>(ComfyEventParser.ParseText(json));

        Assert.Equal(json, unknown.Raw.GetRawText());
        Assert.Null(unknown.PromptId);
    }

    [Fact]
    public void ParseText_UnknownEventRaw_SurvivesReuseOfTheInputBuffer()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"type": "custom", "data": {"k": "v"}}""");
        var unknown = Assert.IsType<UnknownEvent>(ComfyEventParser.ParseText(bytes));

        Array.Fill(bytes, (byte)' ');

        Assert.Equal("v", unknown.Data.GetProperty("k").GetString());
    }

    [Fact]
    public void ParseText_ExecutedOutput_SurvivesReuseOfTheInputBuffer()
    {
        var bytes = Encoding.UTF8.GetBytes(RecordedFrames.First("8. Non-image", j => j.Contains("executed", StringComparison.Ordinal)).Json);
        var executed = Assert.IsType<ExecutedEvent>(ComfyEventParser.ParseText(bytes));

        Array.Fill(bytes, (byte)' ');

        Assert.Equal("Hello, ComfyUI", executed.Output!.Raw.GetProperty("text")[0].GetString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("""{"type": "progress", "data": {"value": 1,}}""")]
    [InlineData("""{"type": "progress" "data": {}}""")]
    [InlineData("""{"type": "status", "data": {"status": {"exec_info": {"queue_remaining": 0}}}} trailing""")]
    [InlineData("""{"type": "custom", "data": {}} {}""")]
    [InlineData("not json")]
    public void ParseText_MalformedJson_ThrowsProtocolExceptionWithJsonCause(string json)
    {
        var error = Assert.Throws<ComfyProtocolException>(() => ComfyEventParser.ParseText(json));

        Assert.IsAssignableFrom<JsonException>(error.InnerException);
        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"data": {"value": 1, "max": 2}}""", "no 'type'")]
    [InlineData("""{}""", "no 'type'")]
    [InlineData("""{"type": 7, "data": {}}""", "'type' is a number")]
    [InlineData("""{"type": null, "data": {}}""", "'type' is null")]
    [InlineData("""[{"type": "status"}]""", "not a JSON object")]
    [InlineData("\"status\"", "not a JSON object")]
    [InlineData("""{"type": "progress"}""", "no 'data'")]
    [InlineData("""{"type": "executed", "data": [1]}""", "'data' that is an array")]
    [InlineData("""{"type": "execution_start", "data": null}""", "'data' that is null")]
    [InlineData("""{"type": "progress", "data": {"max": 2}}""", "progress.value")]
    [InlineData("""{"type": "progress", "data": {"value": "1", "max": 2}}""", "progress.value")]
    [InlineData("""{"type": "executing", "data": {"node": 5}}""", "executing.node")]
    [InlineData("""{"type": "status", "data": {"sid": "x"}}""", "queue_remaining")]
    [InlineData("""{"type": "progress_state", "data": {"prompt_id": "p"}}""", "progress_state.nodes")]
    [InlineData("""{"type": "progress_state", "data": {"nodes": {"1": 5}}}""", "progress_state.nodes[]")]
    [InlineData("""{"type": "executed", "data": {"output": null}}""", "executed.node")]
    [InlineData("""{"type": "execution_cached", "data": {"nodes": "1"}}""", "execution_cached.nodes")]
    [InlineData("""{"type": "execution_success", "data": {"timestamp": "now"}}""", "execution_success.timestamp")]
    public void ParseText_MalformedMessage_ThrowsProtocolExceptionNamingTheProblem(string json, string expected)
    {
        var error = Assert.Throws<ComfyProtocolException>(() => ComfyEventParser.ParseText(json));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<ComfyException>(error);
    }

    [Fact]
    public void ParseText_NullString_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => ComfyEventParser.ParseText((string)null!));
    }
}
