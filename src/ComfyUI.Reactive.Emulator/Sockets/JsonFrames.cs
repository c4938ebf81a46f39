using System.Buffers;
using System.Text.Json;

namespace ComfyUI.Reactive.Emulator.Sockets;

/// <summary>
/// Builds <c>{"type": ..., "data": {...}}</c> text frames with a reused per-thread writer: the executor sends
/// a dozen frames per prompt and must sustain thousands of prompts per second, so frames are serialised once,
/// directly to UTF-8, without reflection.
/// </summary>
internal static class JsonFrames
{
    [ThreadStatic] private static ArrayBufferWriter<byte>? buffer;
    [ThreadStatic] private static Utf8JsonWriter? writer;

    /// <summary>Serialises arbitrary JSON with the shared writer and returns a private copy of the bytes.</summary>
    public static byte[] Write(Action<Utf8JsonWriter> write)
    {
        var b = buffer ??= new ArrayBufferWriter<byte>(1024);
        b.ResetWrittenCount();
        var w = writer ??= new Utf8JsonWriter(b, new JsonWriterOptions { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.Reset(b);
        write(w);
        w.Flush();
        return b.WrittenSpan.ToArray();
    }

    /// <summary>Serialises arbitrary JSON with state, avoiding a closure allocation on hot paths.</summary>
    public static byte[] Write<T>(T state, Action<Utf8JsonWriter, T> write)
    {
        var b = buffer ??= new ArrayBufferWriter<byte>(1024);
        b.ResetWrittenCount();
        var w = writer ??= new Utf8JsonWriter(b, new JsonWriterOptions { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.Reset(b);
        write(w, state);
        w.Flush();
        return b.WrittenSpan.ToArray();
    }

    /// <summary>Builds one message frame.</summary>
    public static OutgoingFrame Message<T>(string type, T state, Action<Utf8JsonWriter, T> writeData) =>
        new(Write((type, state, writeData), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteString("type", s.type);
            w.WritePropertyName("data");
            w.WriteStartObject();
            s.writeData(w, s.state);
            w.WriteEndObject();
            w.WriteEndObject();
        }), Binary: false);

    /// <summary>Wraps already-serialised <c>data</c> bytes (an object) into a message frame without re-serialising.</summary>
    public static OutgoingFrame Wrap(string type, byte[] data)
    {
        var head = System.Text.Encoding.UTF8.GetBytes("{\"type\":\"" + type + "\",\"data\":");
        var frame = new byte[head.Length + data.Length + 1];
        head.CopyTo(frame, 0);
        data.CopyTo(frame, head.Length);
        frame[^1] = (byte)'}';
        return new OutgoingFrame(frame, Binary: false);
    }

    /// <summary>The <c>status</c> message; <paramref name="sid"/> only on the first frame of a connection.</summary>
    public static OutgoingFrame Status(int queueRemaining, string? sid = null) =>
        Message("status", (queueRemaining, sid), static (w, s) =>
        {
            w.WritePropertyName("status");
            w.WriteStartObject();
            w.WritePropertyName("exec_info");
            w.WriteStartObject();
            w.WriteNumber("queue_remaining", s.queueRemaining);
            w.WriteEndObject();
            w.WriteEndObject();
            if (s.sid is not null)
            {
                w.WriteString("sid", s.sid);
            }
        });

    /// <summary>Writes a number the way Python's json module does: floats keep a <c>.0</c>, ints do not.</summary>
    public static void WritePythonNumber(Utf8JsonWriter w, double value, bool isFloat)
    {
        if (isFloat && Math.Abs(value) < 1e16 && value == Math.Floor(value))
        {
            w.WriteRawValue(value.ToString("0", System.Globalization.CultureInfo.InvariantCulture) + ".0", skipInputValidation: true);
        }
        else
        {
            w.WriteNumberValue(value);
        }
    }
}
