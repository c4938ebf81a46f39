using System.Net;
using System.Text;
using System.Text.Json;
using System.Web;

namespace ComfyUI.Reactive.Tests.Rest;

/// <summary>Odd names in paths and queries, big uploads, cancellation mid-download, and responses released on every error path.</summary>
public sealed class ComfyApiHardeningTests
{
    public static TheoryData<string> OddNames() =>
    [
        "workflows/my flow.json",
        "a#b.json",
        "what?.json",
        "100%.json",
        "a+b.json",
        "日本語/ümlaut é.json",
        "semi;colon&amp=eq.json",
        "..\\back.json",
        "emoji 🦊.json",
        "%2F already escaped.json",
    ];

    private static async Task<RecordedRequest> Capture(Func<ComfyApi, Task> call, string answer)
    {
        var handler = FakeHttpHandler.Json(answer);
        var api = TestApi.Over(handler);
        await call(api);
        return handler.Single;
    }

    /// <summary>The raw (escaped) path of a request, as it goes on the wire.</summary>
    private static string RawPath(RecordedRequest request) => request.Uri.GetComponents(UriComponents.Path, UriFormat.UriEscaped);

    [Theory]
    [MemberData(nameof(OddNames))]
    public async Task UserDataRoutes_OddFileNames_TravelAsOneEscapedSegmentThatDecodesBack(string name)
    {
        const string File = """{"path":"x","size":1,"modified":1,"created":1}""";
        foreach (var request in new[]
        {
            await Capture(api => api.GetUserDataAsync(name), "{}"),
            await Capture(api => api.SaveUserDataAsync(name, [1]), File),
            await Capture(api => api.DeleteUserDataAsync(name), "{}"),
        })
        {
            var path = RawPath(request);
            Assert.StartsWith("api/userdata/", path, StringComparison.Ordinal);
            var segment = path["api/userdata/".Length..];
            Assert.DoesNotContain('/', segment);
            Assert.Equal(name, Uri.UnescapeDataString(segment));
            Assert.Equal(string.Empty, request.Uri.Fragment);
        }

        var move = await Capture(api => api.MoveUserDataAsync(name, name + ".bak"), File);
        var parts = RawPath(move).Split('/');
        Assert.Equal(["api", "userdata", "move"], new[] { parts[0], parts[1], parts[3] });
        Assert.Equal(5, parts.Length);
        Assert.Equal(name, Uri.UnescapeDataString(parts[2]));
        Assert.Equal(name + ".bak", Uri.UnescapeDataString(parts[4]));
    }

    [Theory]
    [MemberData(nameof(OddNames))]
    public async Task OtherPathRoutes_OddValues_TravelAsOneEscapedSegmentThatDecodesBack(string value)
    {
        (Func<ComfyApi, Task> Call, string Prefix, string Answer)[] routes =
        [
            (api => api.GetNodeInfoAsync(value), "api/object_info/", "{}"),
            (api => api.GetModelsAsync(value), "api/models/", "[]"),
            (api => api.GetSettingAsync(value), "api/settings/", "null"),
            (api => api.SetSettingAsync(value, JsonDocument.Parse("1").RootElement), "api/settings/", "{}"),
            (api => api.GetViewMetadataAsync(value, "x.safetensors"), "api/view_metadata/", "{}"),
        ];
        foreach (var (call, prefix, answer) in routes)
        {
            var path = RawPath(await Capture(call, answer));
            Assert.StartsWith(prefix, path, StringComparison.Ordinal);
            var segment = path[prefix.Length..];
            Assert.DoesNotContain('/', segment);
            Assert.Equal(value, Uri.UnescapeDataString(segment));
        }
    }

    [Theory]
    [MemberData(nameof(OddNames))]
    public async Task DownloadAsync_OddFileNameAndSubfolder_QueryDecodesBackAsTheServerReadsIt(string name)
    {
        var handler = new FakeHttpHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent([1, 2, 3]) });
        var api = TestApi.Over(handler);

        await using (await api.DownloadAsync(name, "sub folder/&x=1", "output", "webp;90"))
        {
        }

        // aiohttp reads '+' in a query as a space, like HttpUtility: a raw '+' would change the name.
        var query = HttpUtility.ParseQueryString(handler.Single.Uri.Query);
        Assert.Equal(name, query["filename"]);
        Assert.Equal("sub folder/&x=1", query["subfolder"]);
        Assert.Equal("output", query["type"]);
        Assert.Equal("webp;90", query["preview"]);
        Assert.Null(query["x"]);
        Assert.Equal(string.Empty, handler.Single.Uri.Fragment);
    }

    [Fact]
    public async Task UploadImageAsync_LargeNonSeekableStream_IsStreamedNotBuffered()
    {
        const long Size = 64L * 1024 * 1024;
        var source = new PatternStream(Size);
        long readBeforeSend = -1, received = 0, maxAhead = 0;
        var handler = new StreamingHandler(async (request, ct) =>
        {
            // Buffered content would have drained the source before the request reached the handler, and would run
            // far ahead of what goes out; streamed content stays within a copy buffer of the wire.
            readBeforeSend = source.Consumed;
            var counter = new CountingStream(written => maxAhead = Math.Max(maxAhead, source.Consumed - written));
            await request.Content!.CopyToAsync(counter, ct);
            received = counter.Length;
            return FakeHttpHandler.Answer(HttpStatusCode.OK, """{"name":"big.png","subfolder":"","type":"input"}""");
        });
        var api = TestApi.Over(handler);

        var result = await api.UploadImageAsync(source, "big.png");

        Assert.Equal("big.png", result.Name);
        Assert.Equal(0, readBeforeSend);
        Assert.True(received > Size, $"received {received}");
        Assert.True(maxAhead < 4 * 1024 * 1024, $"the upload read {maxAhead} bytes ahead of the wire");
    }

    [Fact]
    public async Task DownloadAsync_CancelledMidBody_ThrowsCancellationAndReleasesTheResponse()
    {
        var content = new TrackingContent(new EndlessStream());
        var api = TestApi.Over(new StreamingHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = content }));
        using var cts = new CancellationTokenSource();

        var stream = await api.DownloadAsync("x.png");
        var buffer = new byte[4096];
        await stream.ReadExactlyAsync(buffer, cts.Token);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await stream.ReadExactlyAsync(buffer, cts.Token));
        await stream.DisposeAsync();

        Assert.True(content.Disposed);
    }

    public static TheoryData<int> ErrorStatuses() => [400, 401, 403, 404, 409, 500, 502, 503];

    [Theory]
    [MemberData(nameof(ErrorStatuses))]
    public async Task EveryRoute_ErrorStatus_ReleasesEveryResponse(int status)
    {
        var contents = new List<TrackingContent>();
        var handler = new FakeHttpHandler(_ =>
        {
            var content = new TrackingContent(new MemoryStream(Encoding.UTF8.GetBytes("""{"error": "nope", "node_errors": {}}""")));
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            lock (contents)
            {
                contents.Add(content);
            }

            return new HttpResponseMessage((HttpStatusCode)status) { Content = content };
        });
        var api = TestApi.Over(handler);

        Func<Task>[] calls =
        [
            () => api.GetQueueStatusAsync(),
            () => api.GetQueueAsync(),
            () => api.GetHistoryAsync(),
            () => api.GetHistoryEntryAsync("p"),
            () => api.GetObjectInfoAsync(),
            () => api.GetNodeInfoAsync("X"),
            () => api.GetSystemStatsAsync(),
            () => api.GetModelsAsync("checkpoints"),
            () => api.InterruptAsync("p"),
            () => api.ClearQueueAsync(),
            () => api.GetUserDataAsync("a.json"),
            () => api.SaveUserDataAsync("a.json", [1]),
            () => api.DeleteUserDataAsync("a.json"),
            () => api.GetSettingAsync("a"),
            () => api.DownloadAsync("x.png"),
            () => api.UploadImageAsync(new MemoryStream([1, 2]), "a.png"),
            () => api.ListJobsAsync(),
            () => api.GetJobAsync("p"),
        ];
        foreach (var call in calls)
        {
            try
            {
                await call();
            }
            catch (ComfyException)
            {
            }
        }

        Assert.True(contents.Count >= calls.Length);
        var leaked = contents.Count(c => !c.Disposed);
        Assert.True(leaked == 0, $"{leaked} of {contents.Count} responses were not disposed after {status}");
    }

    /// <summary>Counts what is written to it, keeping nothing.</summary>
    private sealed class CountingStream(Action<long> onWritten) : Stream
    {
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => Add(count);

        public override void Write(ReadOnlySpan<byte> buffer) => Add(buffer.Length);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Add(buffer.Length);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Add(count);
            return Task.CompletedTask;
        }

        private void Add(int count)
        {
            _length += count;
            onWritten(_length);
        }
    }

    /// <summary>A non-seekable source of <paramref name="size"/> bytes that allocates nothing per read.</summary>
    private sealed class PatternStream(long size) : Stream
    {
        private long _position;

        public long Consumed => _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = (int)Math.Min(buffer.Length, size - _position);
            buffer[..n].Fill(0x42);
            _position += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A body that never ends; reads honour their token.</summary>
    private sealed class EndlessStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => count;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return ValueTask.FromResult(buffer.Length);
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Stream content that records its disposal (a pooled connection is only freed by it).</summary>
    private sealed class TrackingContent(Stream stream) : StreamContent(stream)
    {
        public bool Disposed { get; private set; }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }

    /// <summary>Answers without reading the request body first (the fake handler reads it whole), so an upload is consumed once, by the test.</summary>
    private sealed class StreamingHandler(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> respond) : HttpMessageHandler
    {
        public StreamingHandler(Func<HttpRequestMessage, HttpResponseMessage> respond)
            : this((request, _) => Task.FromResult(respond(request)))
        {
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await respond(request, cancellationToken);
            response.RequestMessage ??= request;
            return response;
        }
    }
}
