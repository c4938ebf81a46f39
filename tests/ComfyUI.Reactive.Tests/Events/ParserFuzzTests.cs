using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Events;

namespace ComfyUI.Reactive.Tests.Events;

/// <summary>
/// Seeded random mutations of every recorded frame: the parser must only ever return an event or throw
/// <see cref="ComfyProtocolException"/> — a malformed frame from a server must never surface as another exception type
/// (the client only skips <see cref="ComfyProtocolException"/>), hang, or allocate far more than the frame's size.
/// </summary>
public sealed class ParserFuzzTests
{
    private const int MutationsPerFrame = 60;

    // Generous: a parse copies the frame at most a few times (JsonElement clones, strings); 4 GB length prefixes
    // or quadratic work would blow far past this.
    private const long AllocationSlackBytes = 256 * 1024;

    private static readonly byte[][] InvalidUtf8 =
    [
        [0xFF],
        [0xC3],                     // a lead byte with no continuation
        [0x80],                     // a lone continuation byte
        [0xED, 0xA0, 0x80],         // an encoded surrogate
        [0xF4, 0x90, 0x80, 0x80],   // above U+10FFFF
        [0xC0, 0xAF],               // overlong '/'
    ];

    private static readonly string[] WrongKindValues =
    [
        "null", "true", "false", "0", "-1", "1.5", "1e400", "-1e400", "9223372036854775808", "-9223372036854775809",
        "2147483648", "4294967296", "1e-400", "123456789012345678901234567890", "\"\"", "\"x\"", "[]", "{}", "[1,\"a\",null]",
        "{\"a\":{\"b\":[]}}", "\"\\ud800\"", "\"\\u0000\"", "0.30000000000000004", "-0", "[\"\\udfff\"]",
    ];

    [Fact]
    public async Task ParseText_MutatedRecordedFrames_OnlyEventsOrProtocolExceptions()
    {
        // A background thread so a hang fails the test instead of stalling the run.
        var failures = await Task.Run(() =>
        {
            var found = new List<string>();
            for (var index = 0; index < RecordedFrames.Text.Count; index++)
            {
                var frame = RecordedFrames.Text[index];
                var random = new Random(index * 7919 + 17);
                var bytes = Encoding.UTF8.GetBytes(frame.Json);
                for (var i = 0; i < MutationsPerFrame; i++)
                {
                    var mutated = MutateText(bytes, random, out var how);
                    var failure = TryParseText(mutated);
                    if (failure is not null)
                    {
                        found.Add($"{frame} mutation {i} ({how}): {failure}");
                    }
                }
            }

            return found;
        }).WaitAsync(TimeSpan.FromSeconds(120));

        Assert.True(failures.Count == 0, $"{failures.Count} failures, first ones:\n" + string.Join("\n", failures.Take(15)));
    }

    [Fact]
    public async Task ParseText_StringOverload_LoneSurrogatesAndControlCharacters_OnlyEventsOrProtocolExceptions()
    {
        var failures = await Task.Run(() =>
        {
            var found = new List<string>();
            for (var index = 0; index < RecordedFrames.Text.Count; index++)
            {
                var frame = RecordedFrames.Text[index];
                var random = new Random(index * 31 + 5);
                for (var i = 0; i < 10; i++)
                {
                    var position = random.Next(frame.Json.Length + 1);
                    var insert = random.Next(4) switch
                    {
                        0 => "\ud800",
                        1 => "\udfff",
                        2 => "\u0000",
                        _ => "\u0001\uffff",
                    };
                    var mutated = frame.Json.Insert(position, insert);
                    try
                    {
                        Assert.NotNull(ComfyEventParser.ParseText(mutated));
                    }
                    catch (ComfyProtocolException)
                    {
                    }
                    catch (Exception ex)
                    {
                        found.Add($"{frame} at {position}: {ex.GetType().Name}: {ex.Message}");
                    }
                }
            }

            return found;
        }).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(15)));
    }

    public static TheoryData<string> TargetedTextFrames() =>
    [
        // Invalid UTF-8 is spliced in below where the frame says \xFF.
        "{\"type\":\"my\\xFFnode.msg\",\"data\":{}}",
        "{\"type\":\"feature_flags\",\"data\":{\"bad\\xFFname\":true}}",
        "{\"type\":\"executed\",\"data\":{\"node\":\"9\\xFF\",\"output\":{}}}",
        "{\"type\":\"execution_start\",\"data\":{\"prompt_id\":\"\\xFF\"}}",
        "{\"type\":\"execution_error\",\"data\":{\"traceback\":[\"\\xFF\"],\"exception_message\":\"\\xFF\"}}",
        "{\"type\":\"executed\",\"data\":{\"node\":\"9\",\"output\":{\"images\":[{\"filename\":\"\\xFF\"}],\"text\":[\"\\xFF\"]}}}",
        "{\"type\":\"logs\",\"data\":{\"entries\":[{\"t\":\"\\xFF\",\"m\":\"x\"}]}}",
        "{\"type\":\"logs\",\"data\":{\"entries\":[],\"size\":{\"cols\":\"80\",\"rows\":24}}}",
        "{\"type\":\"logs\",\"data\":{\"entries\":[],\"size\":{\"cols\":80,\"rows\":{}}}}",
        "{\"type\":\"logs\",\"data\":{\"entries\":[],\"size\":{\"cols\":1e400,\"rows\":24}}}",
        "{\"type\":\"progress\",\"data\":{\"value\":1e400,\"max\":2}}",
        "{\"type\":\"status\",\"data\":{\"status\":{\"exec_info\":{\"queue_remaining\":1e300}}}}",
        "{\"type\":\"execution_success\",\"data\":{\"timestamp\":1e300}}",
        "{\"type\":\"execution_success\",\"data\":{\"timestamp\":9223372036854775807.0}}",
        "{\"type\":\"progress_state\",\"data\":{\"nodes\":{\"\\xFF\":{\"value\":1,\"max\":2,\"state\":\"running\"}}}}",
    ];

    [Theory]
    [MemberData(nameof(TargetedTextFrames))]
    public void ParseText_TargetedMalformedFrame_OnlyEventOrProtocolException(string template)
    {
        var bytes = SpliceInvalidUtf8(template);

        Assert.Null(TryParseText(bytes));
    }

    [Fact]
    public void ParseText_LogsWithNonNumericTerminalSize_KeepsTheEntriesAndIgnoresTheSize()
    {
        var logs = Assert.IsType<LogsEvent>(ComfyEventParser.ParseText(
            """{"type":"logs","data":{"entries":[{"t":"1","m":"hello"}],"size":{"cols":"80","rows":24}}}"""));

        Assert.Equal("hello", Assert.Single(logs.Entries).Message);
        Assert.Null(logs.Size);
    }

    [Theory]
    [InlineData(10_000)]
    [InlineData(100_000)]
    public void ParseText_DeeplyNestedValues_OnlyEventOrProtocolException(int depth)
    {
        var nesting = new string('[', depth) + new string(']', depth);
        foreach (var type in new[] { "progress", "status", "executed", "execution_error", "feature_flags", "logs", "custom.x" })
        {
            Assert.Null(TryParseText(Encoding.UTF8.GetBytes($"{{\"type\":\"{type}\",\"data\":{{\"x\":{nesting}}}}}")));
            Assert.Null(TryParseText(Encoding.UTF8.GetBytes($"{{\"type\":\"{type}\",\"data\":{nesting}}}")));
        }
    }

    [Fact]
    public async Task ParseBinary_MutatedFrames_OnlyEventsOrProtocolExceptions()
    {
        var seeds = RecordedFrames.Binary.Select(f => f.Rebuild()).ToList();
        seeds.Add(RecordedFrames.Type3("9", "step 3 of 20"));
        seeds.Add(RecordedFrames.Type3("9", "step 3 of 20", "e067a858-68fe-43cd-bf91-592d4b3e2bb7"));
        seeds.Add(RecordedFrames.Type1(1, RecordedFrames.GreenJpeg));

        var failures = await Task.Run(() =>
        {
            var found = new List<string>();
            for (var index = 0; index < seeds.Count; index++)
            {
                var random = new Random(index * 104729 + 3);
                for (var i = 0; i < MutationsPerFrame * 4; i++)
                {
                    var mutated = MutateBinary(seeds[index], random, out var how);
                    foreach (var carriesPromptId in new[] { false, true })
                    {
                        var failure = TryParseBinary(mutated, carriesPromptId);
                        if (failure is not null)
                        {
                            found.Add($"seed {index} mutation {i} ({how}, prompt id {carriesPromptId}): {failure}");
                        }
                    }
                }
            }

            return found;
        }).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.True(failures.Count == 0, $"{failures.Count} failures, first ones:\n" + string.Join("\n", failures.Take(15)));
    }

    [Theory]
    [InlineData(0xFFFF_FFFFu)]
    [InlineData(0x8000_0000u)]
    [InlineData(0x7FFF_FFFFu)]
    [InlineData(0x7FFF_FFFCu)]
    public void ParseBinary_HugeLengthPrefixes_ThrowProtocolExceptionWithoutAllocatingThem(uint length)
    {
        foreach (var type in new uint[] { 3, 4 })
        {
            foreach (var carriesPromptId in new[] { false, true })
            {
                var frame = new byte[64];
                BinaryPrimitives.WriteUInt32BigEndian(frame, type);
                BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), length);
                BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(8), length);

                var before = GC.GetAllocatedBytesForCurrentThread();
                Assert.Throws<ComfyProtocolException>(() => ComfyEventParser.ParseBinary(frame, carriesPromptId));
                Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < AllocationSlackBytes);
            }
        }
    }

    private static string? TryParseText(byte[] frame)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            if (ComfyEventParser.ParseText(frame) is null)
            {
                return "returned null";
            }
        }
        catch (ComfyProtocolException)
        {
        }
        catch (Exception ex)
        {
            return $"{ex.GetType().Name}: {ex.Message}";
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return allocated > AllocationSlackBytes + (16L * frame.Length) ? $"allocated {allocated} bytes for {frame.Length}" : null;
    }

    private static string? TryParseBinary(byte[] frame, bool carriesPromptId)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            if (ComfyEventParser.ParseBinary(frame, carriesPromptId) is null)
            {
                return "returned null";
            }
        }
        catch (ComfyProtocolException)
        {
        }
        catch (Exception ex)
        {
            return $"{ex.GetType().Name}: {ex.Message}";
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return allocated > AllocationSlackBytes + (16L * frame.Length) ? $"allocated {allocated} bytes for {frame.Length}" : null;
    }

    private static byte[] MutateText(byte[] frame, Random random, out string how)
    {
        switch (random.Next(8))
        {
            case 0:
                var cut = random.Next(frame.Length);
                how = $"truncated at {cut}";
                return frame[..cut];
            case 1:
            {
                var copy = (byte[])frame.Clone();
                var flips = random.Next(1, 4);
                for (var i = 0; i < flips; i++)
                {
                    copy[random.Next(copy.Length)] = (byte)random.Next(256);
                }

                how = $"{flips} bytes replaced";
                return copy;
            }

            case 2:
            {
                // Invalid UTF-8 inside a string (right after a quote) or anywhere.
                var quotes = Enumerable.Range(0, frame.Length).Where(i => frame[i] == (byte)'"').ToArray();
                var at = quotes.Length > 0 && random.Next(4) != 0 ? quotes[random.Next(quotes.Length)] + 1 : random.Next(frame.Length + 1);
                var bad = InvalidUtf8[random.Next(InvalidUtf8.Length)];
                how = $"invalid UTF-8 {Convert.ToHexString(bad)} at {at}";
                return [.. frame[..at], .. bad, .. frame[at..]];
            }

            case 3:
            {
                var depth = random.Next(2) == 0 ? 65 : 5000;
                how = $"a value nested {depth} deep";
                return ReplaceRandomValue(frame, random, new string('[', depth) + new string(']', depth))
                    ?? [.. "{\"type\":\"progress\",\"data\":"u8, .. Encoding.UTF8.GetBytes(new string('{', depth)), .. frame];
            }

            default:
            {
                var value = WrongKindValues[random.Next(WrongKindValues.Length)];
                how = $"a value replaced by {value}";
                return ReplaceRandomValue(frame, random, value) ?? frame;
            }
        }
    }

    /// <summary>Replaces one random value of the JSON tree (object member or array item) with raw JSON text.</summary>
    private static byte[]? ReplaceRandomValue(byte[] frame, Random random, string replacement)
    {
        JsonNode root;
        try
        {
            root = JsonNode.Parse(frame)!;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }

        var slots = new List<(JsonNode Parent, object Key)>();
        Collect(root, slots);
        if (slots.Count == 0)
        {
            return null;
        }

        const string Marker = "\"__fuzz_marker__\"";
        var (parent, key) = slots[random.Next(slots.Count)];
        if (parent is JsonObject obj)
        {
            obj[(string)key] = "__fuzz_marker__";
        }
        else
        {
            ((JsonArray)parent)[(int)key] = "__fuzz_marker__";
        }

        return Encoding.UTF8.GetBytes(root.ToJsonString().Replace(Marker, replacement, StringComparison.Ordinal));

        static void Collect(JsonNode? node, List<(JsonNode, object)> slots)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var (name, child) in o)
                    {
                        slots.Add((o, name));
                        Collect(child, slots);
                    }

                    break;
                case JsonArray a:
                    for (var i = 0; i < a.Count; i++)
                    {
                        slots.Add((a, i));
                        Collect(a[i], slots);
                    }

                    break;
            }
        }
    }

    private static byte[] MutateBinary(byte[] frame, Random random, out string how)
    {
        var copy = (byte[])frame.Clone();
        switch (random.Next(5))
        {
            case 0:
                var cut = random.Next(frame.Length);
                how = $"truncated at {cut}";
                return frame[..cut];
            case 1:
            {
                // A huge or off-by-a-bit length at one of the length positions.
                var at = random.Next(3) * 4;
                at = Math.Min(at, copy.Length - 4);
                uint[] lengths = [0xFFFF_FFFF, 0x8000_0000, 0x7FFF_FFFF, (uint)copy.Length, (uint)copy.Length - 7, (uint)copy.Length - 8, 0];
                var length = lengths[random.Next(lengths.Length)];
                BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(at), length);
                how = $"length {length} at {at}";
                return copy;
            }

            case 2:
            {
                var flips = random.Next(1, 6);
                for (var i = 0; i < flips; i++)
                {
                    copy[random.Next(Math.Min(copy.Length, 300))] = (byte)random.Next(256);
                }

                how = $"{flips} header bytes replaced";
                return copy;
            }

            case 3:
            {
                // Type 4 metadata: invalid UTF-8 inside its strings, keeping the declared length right.
                var bad = InvalidUtf8[random.Next(InvalidUtf8.Length)];
                if (copy.Length > 12 && BinaryPrimitives.ReadUInt32BigEndian(copy) is 3 or 4)
                {
                    var metadataLength = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(copy.AsSpan(4)), (uint)(copy.Length - 8));
                    var quotes = Enumerable.Range(8, metadataLength).Where(i => copy[i] == (byte)'"').ToArray();
                    var at = quotes.Length > 0 ? quotes[random.Next(quotes.Length)] + 1 : 8 + metadataLength;
                    byte[] spliced = [.. copy[..at], .. bad, .. copy[at..]];
                    BinaryPrimitives.WriteUInt32BigEndian(spliced.AsSpan(4), (uint)(metadataLength + bad.Length));
                    how = $"invalid UTF-8 {Convert.ToHexString(bad)} at {at}";
                    return spliced;
                }

                how = "unchanged";
                return copy;
            }

            default:
            {
                var type = (uint)random.Next(6);
                BinaryPrimitives.WriteUInt32BigEndian(copy, type);
                how = $"event type {type}";
                return copy;
            }
        }
    }

    private static byte[] SpliceInvalidUtf8(string template)
    {
        var parts = template.Split("\\xFF");
        var result = new List<byte>();
        for (var i = 0; i < parts.Length; i++)
        {
            if (i > 0)
            {
                result.Add(0xFF);
            }

            result.AddRange(Encoding.UTF8.GetBytes(parts[i]));
        }

        return [.. result];
    }
}
