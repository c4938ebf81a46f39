using System.Text.Json;

namespace ComfyUI.Reactive.Events;

// The frequent messages, read token by token: no JsonDocument, ids through the per-thread string cache.
// Each reader starts on the data object's StartObject and leaves the reader on its EndObject.
public static partial class ComfyEventParser
{
    private static ProgressEvent ReadProgress(ref Utf8JsonReader reader)
    {
        double? value = null, max = null;
        string? promptId = null, node = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("value"u8))
            {
                reader.Read();
                value = ReadDouble(ref reader, "progress.value");
            }
            else if (reader.ValueTextEquals("max"u8))
            {
                reader.Read();
                max = ReadDouble(ref reader, "progress.max");
            }
            else if (reader.ValueTextEquals("prompt_id"u8))
            {
                reader.Read();
                promptId = ReadOptionalString(ref reader, "progress.prompt_id");
            }
            else if (reader.ValueTextEquals("node"u8))
            {
                reader.Read();
                node = ReadOptionalString(ref reader, "progress.node");
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new ProgressEvent(
            value ?? throw Missing("progress.value"),
            max ?? throw Missing("progress.max"),
            promptId,
            node);
    }

    private static ExecutingEvent ReadExecuting(ref Utf8JsonReader reader)
    {
        string? node = null, displayNode = null, promptId = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("node"u8))
            {
                reader.Read();
                node = ReadOptionalString(ref reader, "executing.node");
            }
            else if (reader.ValueTextEquals("display_node"u8))
            {
                reader.Read();
                displayNode = ReadOptionalString(ref reader, "executing.display_node");
            }
            else if (reader.ValueTextEquals("prompt_id"u8))
            {
                reader.Read();
                promptId = ReadOptionalString(ref reader, "executing.prompt_id");
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new ExecutingEvent(node, displayNode, promptId);
    }

    private static StatusEvent ReadStatus(ref Utf8JsonReader reader)
    {
        int? queueRemaining = null;
        string? sid = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("status"u8))
            {
                reader.Read();
                queueRemaining = ReadStatusObject(ref reader) ?? queueRemaining;
            }
            else if (reader.ValueTextEquals("sid"u8))
            {
                reader.Read();
                sid = ReadOptionalString(ref reader, "status.sid");
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new StatusEvent(queueRemaining ?? throw Missing("status.status.exec_info.queue_remaining"), sid);
    }

    /// <summary>Reads <c>{"exec_info": {"queue_remaining": n}}</c>; null when the count is not there.</summary>
    private static int? ReadStatusObject(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        int? queueRemaining = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isExecInfo = reader.ValueTextEquals("exec_info"u8);
            reader.Read();
            if (!isExecInfo || reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isCount = reader.ValueTextEquals("queue_remaining"u8);
                reader.Read();
                if (isCount)
                {
                    queueRemaining = ReadInt32(ref reader, "status.status.exec_info.queue_remaining");
                }
                else
                {
                    reader.Skip();
                }
            }
        }

        return queueRemaining;
    }

    private static ProgressStateEvent ReadProgressState(ref Utf8JsonReader reader)
    {
        string? promptId = null;
        Dictionary<string, NodeProgressState>? nodes = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt_id"u8))
            {
                reader.Read();
                promptId = ReadOptionalString(ref reader, "progress_state.prompt_id");
            }
            else if (reader.ValueTextEquals("nodes"u8))
            {
                reader.Read();
                nodes = ReadProgressNodes(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new ProgressStateEvent(promptId, nodes ?? throw Missing("progress_state.nodes"));
    }

    private static Dictionary<string, NodeProgressState> ReadProgressNodes(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw WrongKind("progress_state.nodes", "an object", reader.TokenType);
        }

        var nodes = new Dictionary<string, NodeProgressState>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var key = ReadCachedString(ref reader);
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw WrongKind("progress_state.nodes[]", "an object", reader.TokenType);
            }

            nodes[key] = ReadNodeProgress(ref reader, key);
        }

        return nodes;
    }

    private static NodeProgressState ReadNodeProgress(ref Utf8JsonReader reader, string key)
    {
        double? value = null, max = null;
        string? state = null, nodeId = null, promptId = null, displayNodeId = null, parentNodeId = null, realNodeId = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("value"u8))
            {
                reader.Read();
                value = ReadDouble(ref reader, "progress_state.nodes[].value");
            }
            else if (reader.ValueTextEquals("max"u8))
            {
                reader.Read();
                max = ReadDouble(ref reader, "progress_state.nodes[].max");
            }
            else if (reader.ValueTextEquals("state"u8))
            {
                reader.Read();
                state = ReadOptionalString(ref reader, "progress_state.nodes[].state");
            }
            else if (reader.ValueTextEquals("node_id"u8))
            {
                reader.Read();
                nodeId = ReadOptionalString(ref reader, "progress_state.nodes[].node_id");
            }
            else if (reader.ValueTextEquals("prompt_id"u8))
            {
                reader.Read();
                promptId = ReadOptionalString(ref reader, "progress_state.nodes[].prompt_id");
            }
            else if (reader.ValueTextEquals("display_node_id"u8))
            {
                reader.Read();
                displayNodeId = ReadOptionalString(ref reader, "progress_state.nodes[].display_node_id");
            }
            else if (reader.ValueTextEquals("parent_node_id"u8))
            {
                reader.Read();
                parentNodeId = ReadOptionalString(ref reader, "progress_state.nodes[].parent_node_id");
            }
            else if (reader.ValueTextEquals("real_node_id"u8))
            {
                reader.Read();
                realNodeId = ReadOptionalString(ref reader, "progress_state.nodes[].real_node_id");
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new NodeProgressState(
            value ?? throw Missing("progress_state.nodes[].value"),
            max ?? throw Missing("progress_state.nodes[].max"),
            state ?? throw Missing("progress_state.nodes[].state"),
            nodeId ?? key,
            promptId,
            displayNodeId,
            parentNodeId,
            realNodeId);
    }

    /// <summary>A string or null, through the string cache (ids repeat from frame to frame).</summary>
    private static string? ReadOptionalString(ref Utf8JsonReader reader, string field) => reader.TokenType switch
    {
        JsonTokenType.String => ReadCachedString(ref reader),
        JsonTokenType.Null => null,
        _ => throw WrongKind(field, "a string", reader.TokenType),
    };

    /// <summary>The current string value or property name.</summary>
    private static string ReadCachedString(ref Utf8JsonReader reader) =>

        // Escaped values are rare (ids are plain ASCII); let the reader unescape those.
        reader.ValueIsEscaped || reader.HasValueSequence ? reader.GetString()! : Utf8StringCache.Get(reader.ValueSpan);

    private static double ReadDouble(ref Utf8JsonReader reader, string field)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            throw WrongKind(field, "a number", reader.TokenType);
        }

        return reader.TryGetDouble(out var value) && double.IsFinite(value)
            ? value
            : throw new ComfyProtocolException($"'{field}' is not a finite number.");
    }

    private static int ReadInt32(ref Utf8JsonReader reader, string field)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            throw WrongKind(field, "a number", reader.TokenType);
        }

        if (reader.TryGetInt32(out var value))
        {
            return value;
        }

        // A count written as a float (e.g. 3.0) by another implementation.
        return reader.TryGetDouble(out var number) && number is >= int.MinValue and <= int.MaxValue && number == Math.Floor(number)
            ? (int)number
            : throw new ComfyProtocolException($"'{field}' is not an integer.");
    }

    private static ComfyProtocolException Missing(string field) => new($"A frame lacks '{field}'.");

    private static ComfyProtocolException WrongKind(string field, string expected, JsonTokenType actual) =>
        new($"'{field}' is {Describe(actual)}, expected {expected}.");
}
