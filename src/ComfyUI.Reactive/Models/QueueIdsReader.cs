using System.Globalization;
using System.Text.Json;

namespace ComfyUI.Reactive.Models;

/// <summary>
/// Reads <c>GET /queue</c> the way the SDK's own bookkeeping needs it: each prompt's number and id, nothing else. The
/// items it returns have no <see cref="QueueItem.Prompt"/>, <see cref="QueueItem.ExtraData"/>, outputs or
/// <see cref="QueueItem.Raw"/>; the public <see cref="ComfyApi.GetQueueAsync"/> still reads everything.
/// </summary>
/// <remarks>ComfyUI sends every queued prompt's whole graph. Job tracking reads the queue twice a second per server while
/// its prompts wait (positions, prompts deleted by someone else) and on reconnects; on a busy shared server that is
/// megabytes of JSON per read, parsed into documents and copied twice per item, for two fields. Here the graphs are
/// skipped by the reader without being materialised.</remarks>
internal static class QueueIdsReader
{
    /// <summary>Reads the answer's body.</summary>
    /// <param name="utf8">The JSON of <c>GET /queue</c>.</param>
    /// <returns>Running and pending prompts (pending in run order), ids and numbers only.</returns>
    /// <exception cref="JsonException">The body is not such an object, or an item is not an array.</exception>
    public static QueueState Read(byte[] utf8)
    {
        var reader = new Utf8JsonReader(utf8);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("The answer of GET /queue must be a JSON object.");
        }

        var running = new List<QueueItem>();
        var pending = new List<QueueItem>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var into = reader.ValueTextEquals("queue_running"u8) ? running : reader.ValueTextEquals("queue_pending"u8) ? pending : null;
            reader.Read();
            if (into is null || reader.TokenType != JsonTokenType.StartArray)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                into.Add(ReadItem(ref reader));
            }
        }

        return new QueueState { Running = running, Pending = pending };
    }

    /// <summary>An item <c>[number, prompt_id, prompt, extra_data, outputs]</c>: the first two read, the rest skipped.</summary>
    private static QueueItem ReadItem(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"A queue item must be a JSON array, got {reader.TokenType}.");
        }

        double number = 0;
        var promptId = string.Empty;
        for (var index = 0; reader.Read() && reader.TokenType != JsonTokenType.EndArray; index++)
        {
            if (index == 0)
            {
                number = reader.TokenType switch
                {
                    JsonTokenType.Number => reader.GetDouble(),
                    JsonTokenType.String when double.TryParse(reader.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
                    _ => 0,
                };
            }
            else if (index == 1 && reader.TokenType == JsonTokenType.String)
            {
                promptId = reader.GetString()!;
            }

            reader.Skip();
        }

        return new QueueItem { Number = number, PromptId = promptId };
    }
}
