using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComfyUI.Reactive;

/// <summary>
/// The name of one server (in a pool, or on a job's updates): how statuses, results, metrics and failure reasons refer to it. A plain string so
/// that it can be stored with a job's state and read back by another process (see <c>docs/pool.md</c>).
/// </summary>
/// <remarks>
/// <para>Never derive it from an address that carries credentials (user info or a query token): it appears in
/// messages, logs and metric tags.</para>
/// <para>A class with value equality, not a struct: the pool keys its dictionaries and lists by it, and a struct as a
/// generic argument makes the runtime compile its own copy of each of those collections, which no precompiled image can
/// supply (see "Whole-process cost" in <c>docs/benchmarks.md</c>).</para>
/// </remarks>
[JsonConverter(typeof(ServerIdJsonConverter))]
public sealed record ServerId
{
    /// <summary>Creates a server id.</summary>
    /// <param name="value">The name, e.g. <c>gpu-1</c> or <c>127.0.0.1:8188</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="value"/> is null or empty.</exception>
    public ServerId(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        Value = value;
    }

    /// <summary>The name.</summary>
    public string Value { get; }

    /// <summary>Returns the name.</summary>
    /// <returns>The name.</returns>
    public override string ToString() => Value;
}

/// <summary>Writes a <see cref="ServerId"/> as its name, so stored job state reads as plain strings.</summary>
internal sealed class ServerIdJsonConverter : JsonConverter<ServerId>
{
    public override ServerId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        new(reader.GetString() ?? throw new JsonException("A server id must be a non-empty string."));

    public override void Write(Utf8JsonWriter writer, ServerId value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStringValue(value.Value);
    }
}
