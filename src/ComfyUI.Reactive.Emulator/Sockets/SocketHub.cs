using System.Collections.Concurrent;
using System.Text.Json;

namespace ComfyUI.Reactive.Emulator.Sockets;

/// <summary>
/// The registry of connected clients by sid and the routing rules of PROTOCOL.md §3.2: a message for a sid goes
/// only to the socket registered under it right now (dropped when there is none, never buffered); a message
/// without a sid goes to everyone.
/// </summary>
internal sealed class SocketHub
{
    private readonly ConcurrentDictionary<string, ClientSession> sessions = new(StringComparer.Ordinal);

    public byte[] FeatureFlagsReply { get; init; } = [];

    public int Count => sessions.Count;

    /// <summary>Registers a session, replacing any older one with the same sid (the old socket stays open but receives nothing).</summary>
    public void Register(ClientSession session) => sessions[session.Sid] = session;

    /// <summary>
    /// Removes whatever is registered under <paramref name="sid"/>, even when it is a newer socket that reused the
    /// id: this is ComfyUI's own cleanup (<c>sockets.pop(sid)</c>), and the pitfall of PROTOCOL.md §3.1 is kept on purpose.
    /// </summary>
    public void Unregister(string sid) => sessions.TryRemove(sid, out _);

    public bool TryGet(string sid, out ClientSession session) => sessions.TryGetValue(sid, out session!);

    /// <summary>Sends to one sid, or to everyone when <paramref name="sid"/> is null.</summary>
    public void Send(OutgoingFrame frame, string? sid)
    {
        if (sid is null)
        {
            foreach (var s in sessions.Values)
            {
                s.Enqueue(frame);
            }
        }
        else if (sessions.TryGetValue(sid, out var session))
        {
            session.Enqueue(frame);
        }
    }

    /// <summary>
    /// One progress tick with an optional preview, in the order of the server's progress hook: <c>progress_state</c>,
    /// type-4 preview (metadata clients), <c>progress</c>, type-1 preview (legacy clients). Broadcasts always use type 1.
    /// </summary>
    public void SendProgressTick(string? sid, OutgoingFrame progressState, OutgoingFrame? progress, PreviewImage? preview)
    {
        if (sid is null)
        {
            foreach (var s in sessions.Values)
            {
                SendTick(s, progressState, progress, preview, allowMetadata: false);
            }
        }
        else if (sessions.TryGetValue(sid, out var session))
        {
            SendTick(session, progressState, progress, preview, allowMetadata: true);
        }
    }

    private static void SendTick(ClientSession s, OutgoingFrame progressState, OutgoingFrame? progress, PreviewImage? preview, bool allowMetadata)
    {
        s.Enqueue(progressState);
        var metadata = allowMetadata && s.SupportsPreviewMetadata;
        if (preview is not null && metadata)
        {
            s.Enqueue(preview.Type4Frame);
        }

        if (progress is { } p)
        {
            s.Enqueue(p);
        }

        if (preview is not null && !metadata)
        {
            s.Enqueue(preview.Type1Frame);
        }
    }

    /// <summary>Drops every connection abruptly.</summary>
    public void AbortAll()
    {
        foreach (var s in sessions.Values)
        {
            s.Abort();
        }

        sessions.Clear();
    }

    /// <summary>Sends raw bytes as a text frame to one sid or everyone (used to inject malformed frames).</summary>
    public void SendRaw(byte[] data, bool binary, string? sid) => Send(new OutgoingFrame(data, binary), sid);

    /// <summary>Parses a client's first text message; returns the flags object when it is a <c>feature_flags</c> message.</summary>
    public static bool TryParseFeatureFlags(ReadOnlySpan<byte> message, out bool supportsPreviewMetadata)
    {
        supportsPreviewMetadata = false;
        try
        {
            using var doc = JsonDocument.Parse(message.ToArray());
            if (doc.RootElement.ValueKind != JsonValueKind.Object ||
                !doc.RootElement.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String ||
                type.GetString() != "feature_flags")
            {
                return false;
            }

            if (doc.RootElement.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object &&
                data.TryGetProperty("supports_preview_metadata", out var flag))
            {
                supportsPreviewMetadata = flag.ValueKind == JsonValueKind.True;
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
