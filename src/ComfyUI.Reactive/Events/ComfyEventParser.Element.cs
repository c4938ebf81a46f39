using System.Text.Json;
using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Events;

// The less frequent messages, read from a JsonElement. JsonElement.ParseValue gives elements that own their bytes,
// so the events may keep them (feature flags, current_inputs, node outputs) after the frame's buffer is reused.
public static partial class ComfyEventParser
{
    private static ComfyEvent ReadFromElement(MessageKind kind, JsonElement data) => kind switch
    {
        MessageKind.FeatureFlags => ReadFeatureFlags(data),
        MessageKind.ExecutionStart => new ExecutionStartEvent(
            OptionalString(data, "execution_start", "prompt_id"),
            OptionalTimestamp(data, "execution_start")),
        MessageKind.ExecutionCached => new ExecutionCachedEvent(
            StringList(data, "execution_cached", "nodes"),
            OptionalString(data, "execution_cached", "prompt_id"),
            OptionalTimestamp(data, "execution_cached")),
        MessageKind.Executed => ReadExecuted(data),
        MessageKind.ExecutionSuccess => new ExecutionSuccessEvent(
            OptionalString(data, "execution_success", "prompt_id"),
            OptionalTimestamp(data, "execution_success")),
        MessageKind.ExecutionError => ReadExecutionError(data),
        MessageKind.ExecutionInterrupted => new ExecutionInterruptedEvent(
            OptionalString(data, "execution_interrupted", "prompt_id"),
            OptionalString(data, "execution_interrupted", "node_id"),
            OptionalString(data, "execution_interrupted", "node_type"),
            StringList(data, "execution_interrupted", "executed"),
            OptionalTimestamp(data, "execution_interrupted")),
        MessageKind.Logs => ReadLogs(data),
        _ => throw new InvalidOperationException($"No element reader for {kind}."),
    };

    private static FeatureFlagsEvent ReadFeatureFlags(JsonElement data)
    {
        var flags = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in data.EnumerateObject())
        {
            flags[property.Name] = property.Value;
        }

        return new FeatureFlagsEvent(flags);
    }

    private static ExecutedEvent ReadExecuted(JsonElement data)
    {
        var node = OptionalString(data, "executed", "node") ?? throw Missing("executed.node");
        NodeOutput? output = null;
        if (data.TryGetProperty("output", out var outputElement) && outputElement.ValueKind != JsonValueKind.Null)
        {
            output = NodeOutput.FromJson(outputElement);
        }

        return new ExecutedEvent(
            node,
            OptionalString(data, "executed", "display_node"),
            output,
            OptionalString(data, "executed", "prompt_id"));
    }

    private static ExecutionErrorEvent ReadExecutionError(JsonElement data)
    {
        const string Type = "execution_error";
        return new ExecutionErrorEvent(
            OptionalString(data, Type, "prompt_id"),
            OptionalString(data, Type, "node_id"),
            OptionalString(data, Type, "node_type"),
            StringList(data, Type, "executed"),
            OptionalString(data, Type, "exception_message") ?? string.Empty,
            OptionalString(data, Type, "exception_type") ?? string.Empty,
            StringList(data, Type, "traceback"),
            data.TryGetProperty("current_inputs", out var inputs) ? inputs : default,
            StringList(data, Type, "current_outputs"),
            OptionalTimestamp(data, Type));
    }

    private static LogsEvent ReadLogs(JsonElement data)
    {
        var entries = new List<LogEntry>();
        if (data.TryGetProperty("entries", out var list) && list.ValueKind != JsonValueKind.Null)
        {
            if (list.ValueKind != JsonValueKind.Array)
            {
                throw new ComfyProtocolException($"'logs.entries' is {Describe(list.ValueKind)}, expected an array.");
            }

            foreach (var item in list.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object)
                {
                    throw new ComfyProtocolException($"'logs.entries[]' is {Describe(item.ValueKind)}, expected an object.");
                }

                entries.Add(new LogEntry(Text(item, "t"), Text(item, "m")));
            }
        }

        TerminalSize? size = null;
        // The terminal size is optional decoration: a size that is not two integers is ignored, not fatal
        // (TryGetInt32 itself throws on a non-number, hence the kind checks).
        if (data.TryGetProperty("size", out var sizeElement) && sizeElement.ValueKind == JsonValueKind.Object &&
            sizeElement.TryGetProperty("cols", out var cols) && cols.ValueKind == JsonValueKind.Number && cols.TryGetInt32(out var columns) &&
            sizeElement.TryGetProperty("rows", out var rowsElement) && rowsElement.ValueKind == JsonValueKind.Number && rowsElement.TryGetInt32(out var rows))
        {
            size = new TerminalSize(columns, rows);
        }

        return new LogsEvent(entries, size);

        // A log time or text that is not a string (another implementation's epoch number) is kept as its JSON.
        static string Text(JsonElement item, string key) =>
            !item.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null ? string.Empty
            : value.ValueKind == JsonValueKind.String ? value.GetString()!
            : value.GetRawText();
    }

    private static UnknownEvent ReadUnknown(ReadOnlySpan<byte> utf8Json, string type)
    {
        var reader = new Utf8JsonReader(utf8Json);
        var raw = JsonElement.ParseValue(ref reader);
        string? promptId = null;

        // Custom messages often follow the core ones' shape; their prompt id lets a job see them too.
        if (raw.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object &&
            data.TryGetProperty("prompt_id", out var id) && id.ValueKind == JsonValueKind.String)
        {
            promptId = id.GetString();
        }

        return new UnknownEvent(type, promptId, raw);
    }

    private static string? OptionalString(JsonElement data, string type, string key)
    {
        if (!data.TryGetProperty(key, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Null => null,
            _ => throw new ComfyProtocolException($"'{type}.{key}' is {Describe(value.ValueKind)}, expected a string."),
        };
    }

    private static long? OptionalTimestamp(JsonElement data, string type)
    {
        if (!data.TryGetProperty("timestamp", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            throw new ComfyProtocolException($"'{type}.timestamp' is {Describe(value.ValueKind)}, expected a number.");
        }

        if (value.TryGetInt64(out var milliseconds))
        {
            return milliseconds;
        }

        // Epoch milliseconds written as a float by another implementation.
        return value.TryGetDouble(out var number) && number is >= long.MinValue and <= long.MaxValue
            ? (long)number
            : throw new ComfyProtocolException($"'{type}.timestamp' is not a usable number.");
    }

    private static string[] StringList(JsonElement data, string type, string key)
    {
        if (!data.TryGetProperty(key, out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (list.ValueKind != JsonValueKind.Array)
        {
            throw new ComfyProtocolException($"'{type}.{key}' is {Describe(list.ValueKind)}, expected an array.");
        }

        var items = new string[list.GetArrayLength()];
        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            // Ids are strings; anything else (a custom node's number) is kept as its JSON text rather than failing.
            items[index++] = item.ValueKind == JsonValueKind.String ? item.GetString()! : item.GetRawText();
        }

        return items;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "missing",
    };
}
