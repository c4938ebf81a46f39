namespace ComfyUI.Reactive.Emulator.Server;

/// <summary>Recorded answers of a real ComfyUI 0.3.64 (<c>protocol/fixtures</c>), served verbatim.</summary>
internal static class Fixtures
{
    public static byte[] Features { get; } = Load("features.json");

    public static byte[] SystemStats { get; } = Load("system_stats.json");

    public static byte[] Models { get; } = Load("models.json");

    private static byte[] Load(string name)
    {
        using var stream = typeof(Fixtures).Assembly.GetManifestResourceStream(name) ?? throw new InvalidOperationException(name + " resource missing");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        // Re-serialise compactly, as aiohttp's json_response does (the fixtures are pretty-printed).
        using var doc = System.Text.Json.JsonDocument.Parse(memory.ToArray());
        return Sockets.JsonFrames.Write(doc, static (w, d) => d.WriteTo(w));
    }
}
