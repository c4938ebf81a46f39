using System.Buffers;
using System.Text;
using System.Text.Unicode;
using System.Text.Json;

namespace ComfyUI.Reactive.Events;

/// <summary>
/// Decodes websocket frames of a ComfyUI server into <see cref="ComfyEvent"/>s. Pure and stateless for callers:
/// safe to call from several threads at once (each thread keeps its own small string cache).
/// </summary>
/// <remarks>
/// Tolerant the way PROTOCOL.md §7 asks: unknown fields are ignored, missing newer fields become null, numbers may be
/// integers or floats, and unknown message types become <see cref="UnknownEvent"/>. What cannot be decoded at all
/// throws <see cref="ComfyProtocolException"/>; the caller logs it and skips the frame.
/// The frequent messages (<c>progress</c>, <c>progress_state</c>, <c>executing</c>, <c>status</c>) are read with a
/// hand-written <see cref="Utf8JsonReader"/> pass so a progress tick costs one allocation; the rest go through a
/// <see cref="JsonElement"/>.
/// </remarks>
public static partial class ComfyEventParser
{
    // Strings up to this many UTF-8 bytes are encoded on the stack by ParseText(string); a progress frame is ~110.
    private const int StackEncodeLimit = 1024;

    /// <summary>Decodes a JSON text frame given as a string.</summary>
    /// <param name="json">The frame's text.</param>
    /// <returns>The typed event, or <see cref="UnknownEvent"/> for a type the SDK does not know.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    /// <exception cref="ComfyProtocolException">The frame is not a well-formed message.</exception>
    public static ComfyEvent ParseText(string json)
    {
        ArgumentNullException.ThrowIfNull(json);

        var maxBytes = Encoding.UTF8.GetMaxByteCount(json.Length);
        byte[]? rented = null;
        Span<byte> buffer = maxBytes <= StackEncodeLimit
            ? stackalloc byte[StackEncodeLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(maxBytes));
        try
        {
            var length = Encoding.UTF8.GetBytes(json, buffer);

            // Safe to pool: no event keeps a reference into the text frame (strings are created, JSON is copied).
            return ParseText(buffer[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Decodes a JSON text frame given as UTF-8 bytes, as the websocket delivers it.</summary>
    /// <param name="utf8Json">The frame's bytes. The returned event does not reference them.</param>
    /// <returns>The typed event, or <see cref="UnknownEvent"/> for a type the SDK does not know.</returns>
    /// <exception cref="ComfyProtocolException">The frame is not a well-formed message.</exception>
    public static ComfyEvent ParseText(ReadOnlySpan<byte> utf8Json)
    {
        // A text frame must be UTF-8 (RFC 6455 §5.6) and ComfyUI only writes ASCII; checked once here because
        // System.Text.Json only notices invalid bytes when a string is decoded, and then throws InvalidOperationException.
        if (!Utf8.IsValid(utf8Json))
        {
            throw new ComfyProtocolException("A text frame is not valid UTF-8.");
        }

        try
        {
            return ParseMessage(utf8Json);
        }
        catch (JsonException ex)
        {
            throw new ComfyProtocolException($"A text frame is not valid JSON: {ex.Message}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // System.Text.Json's way of refusing a well-formed but undecodable value, e.g. an escaped lone surrogate
            // ("\ud800") read as a string: a defect of the frame like any other, so the caller skips it.
            throw new ComfyProtocolException($"A text frame holds a value that cannot be decoded: {ex.Message}", ex);
        }
    }

    private static ComfyEvent ParseMessage(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new ComfyProtocolException("A text frame is not a JSON object.");
        }

        var kind = MessageKind.None;
        string? unknownType = null;
        ComfyEvent? parsed = null;
        var dataToken = JsonTokenType.None;
        int dataStart = 0, dataLength = 0;

        // One pass over the envelope. The server writes "type" before "data", so the data object is usually decoded
        // in place; if another writer puts "data" first, its range is remembered and decoded after the loop.
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    throw new ComfyProtocolException($"A text frame's 'type' is {Describe(reader.TokenType)}, not a string.");
                }

                kind = Identify(ref reader);
                unknownType = kind == MessageKind.Unknown ? reader.GetString() : null;
                parsed = null;
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                dataToken = reader.TokenType;
                dataStart = (int)reader.TokenStartIndex;
                if (dataToken == JsonTokenType.StartObject && kind is not (MessageKind.None or MessageKind.Unknown))
                {
                    parsed = ReadData(kind, ref reader);
                }
                else
                {
                    reader.Skip();
                    parsed = null;
                }

                dataLength = (int)reader.BytesConsumed - dataStart;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        // Throws on anything but whitespace after the message, like a strict parser would.
        reader.Read();

        if (kind == MessageKind.None)
        {
            throw new ComfyProtocolException("A text frame has no 'type'.");
        }

        if (kind == MessageKind.Unknown)
        {
            return ReadUnknown(utf8Json, unknownType!);
        }

        if (parsed is not null)
        {
            return parsed;
        }

        if (dataToken != JsonTokenType.StartObject)
        {
            throw new ComfyProtocolException(
                $"A '{Name(kind)}' frame has {(dataToken == JsonTokenType.None ? "no 'data'" : $"'data' that is {Describe(dataToken)}")}, not an object.");
        }

        var dataReader = new Utf8JsonReader(utf8Json.Slice(dataStart, dataLength));
        dataReader.Read();
        return ReadData(kind, ref dataReader);
    }

    /// <summary>Decodes the data object the reader is on and leaves the reader on its end.</summary>
    private static ComfyEvent ReadData(MessageKind kind, ref Utf8JsonReader reader) => kind switch
    {
        MessageKind.Progress => ReadProgress(ref reader),
        MessageKind.ProgressState => ReadProgressState(ref reader),
        MessageKind.Executing => ReadExecuting(ref reader),
        MessageKind.Status => ReadStatus(ref reader),
        _ => ReadFromElement(kind, JsonElement.ParseValue(ref reader)),
    };

    private static MessageKind Identify(ref Utf8JsonReader reader)
    {
        // The hot types first: they are most of the traffic.
        if (reader.ValueTextEquals("progress_state"u8))
        {
            return MessageKind.ProgressState;
        }

        if (reader.ValueTextEquals("progress"u8))
        {
            return MessageKind.Progress;
        }

        if (reader.ValueTextEquals("executing"u8))
        {
            return MessageKind.Executing;
        }

        if (reader.ValueTextEquals("status"u8))
        {
            return MessageKind.Status;
        }

        if (reader.ValueTextEquals("executed"u8))
        {
            return MessageKind.Executed;
        }

        if (reader.ValueTextEquals("execution_start"u8))
        {
            return MessageKind.ExecutionStart;
        }

        if (reader.ValueTextEquals("execution_cached"u8))
        {
            return MessageKind.ExecutionCached;
        }

        if (reader.ValueTextEquals("execution_success"u8))
        {
            return MessageKind.ExecutionSuccess;
        }

        if (reader.ValueTextEquals("execution_error"u8))
        {
            return MessageKind.ExecutionError;
        }

        if (reader.ValueTextEquals("execution_interrupted"u8))
        {
            return MessageKind.ExecutionInterrupted;
        }

        if (reader.ValueTextEquals("feature_flags"u8))
        {
            return MessageKind.FeatureFlags;
        }

        return reader.ValueTextEquals("logs"u8) ? MessageKind.Logs : MessageKind.Unknown;
    }

    private static string Name(MessageKind kind) => kind switch
    {
        MessageKind.Status => ComfyEventTypes.Status,
        MessageKind.FeatureFlags => ComfyEventTypes.FeatureFlags,
        MessageKind.ExecutionStart => ComfyEventTypes.ExecutionStart,
        MessageKind.ExecutionCached => ComfyEventTypes.ExecutionCached,
        MessageKind.Executing => ComfyEventTypes.Executing,
        MessageKind.Executed => ComfyEventTypes.Executed,
        MessageKind.Progress => ComfyEventTypes.Progress,
        MessageKind.ProgressState => ComfyEventTypes.ProgressState,
        MessageKind.ExecutionSuccess => ComfyEventTypes.ExecutionSuccess,
        MessageKind.ExecutionError => ComfyEventTypes.ExecutionError,
        MessageKind.ExecutionInterrupted => ComfyEventTypes.ExecutionInterrupted,
        MessageKind.Logs => ComfyEventTypes.Logs,
        _ => kind.ToString(),
    };

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    private enum MessageKind
    {
        None,
        Unknown,
        Status,
        FeatureFlags,
        ExecutionStart,
        ExecutionCached,
        Executing,
        Executed,
        Progress,
        ProgressState,
        ExecutionSuccess,
        ExecutionError,
        ExecutionInterrupted,
        Logs,
    }
}
