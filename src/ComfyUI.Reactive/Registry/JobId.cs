using System.Text.Json;
using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Registry;

/// <summary>
/// The id of a job enqueued by id (<see cref="Pooling.ComfyPool.Enqueue"/>, <see cref="ComfyClient.Enqueue"/>): what a
/// service hands back to its caller and later looks the job up by. A plain string (a lowercase UUID), so that it can go
/// into URLs, logs and stored state. It is not the server's prompt id: a job that fails over gets a new prompt id per
/// attempt and keeps its job id.
/// </summary>
[JsonConverter(typeof(JobIdJsonConverter))]
public readonly record struct JobId
{
    /// <summary>Creates a job id from its text (e.g. read back from a URL).</summary>
    /// <param name="value">The id.</param>
    /// <exception cref="ArgumentException"><paramref name="value"/> is null or empty.</exception>
    public JobId(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        Value = value;
    }

    /// <summary>The id's text.</summary>
    public string Value { get; }

    /// <summary>Returns the id's text.</summary>
    /// <returns>The text (empty for the default value).</returns>
    public override string ToString() => Value ?? string.Empty;

    /// <summary>A fresh id.</summary>
    internal static JobId New() => new(Guid.NewGuid().ToString());
}

/// <summary>Writes a <see cref="JobId"/> as its text.</summary>
internal sealed class JobIdJsonConverter : JsonConverter<JobId>
{
    public override JobId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        new(reader.GetString() ?? throw new JsonException("A job id must be a non-empty string."));

    public override void Write(Utf8JsonWriter writer, JobId value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.Value);
    }
}
