using System.Net;

namespace ComfyUI.Reactive.Tests.Rest;

/// <summary>Downloads are streamed: the body is read from the connection only as the caller reads it.</summary>
public sealed class ComfyApiDownloadTests
{
    private const int Size = 16 * 1024 * 1024;

    /// <summary>A response body that produces bytes on demand and counts how many were read.</summary>
    private sealed class CountingStream(long length) : Stream
    {
        private long _position;

        public long BytesRead => Interlocked.Read(ref _position);

        public bool Disposed { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - _position);
            Array.Fill(buffer, (byte)'x', offset, n);
            Interlocked.Add(ref _position, n);
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DownloadAsync_LargeBody_IsNotBufferedAndIsReadOnDemand(bool suppliedHttpClient)
    {
        var body = new CountingStream(Size);
        var handler = new FakeHttpHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(body) });
        using var supplied = suppliedHttpClient ? new HttpClient(handler) : null;
        var api = new ComfyApi(new ComfyClientOptions
        {
            BaseAddress = TestApi.Base,
            HttpClient = supplied,
            HttpMessageHandler = supplied is null ? handler : null,
        });

        var stream = await api.DownloadAsync("big.png");
        Assert.Equal(0, body.BytesRead);

        var buffer = new byte[10];
        var read = await stream.ReadAsync(buffer);
        Assert.True(read > 0);
        Assert.True(body.BytesRead < 1024 * 1024, $"read {body.BytesRead} bytes for a 10-byte read");

        await stream.DisposeAsync();
        Assert.True(body.Disposed);
    }

    [Fact]
    public async Task DownloadAsync_WholeBody_ArrivesIntact()
    {
        var body = new CountingStream(Size);
        var handler = new FakeHttpHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(body) });
        var api = TestApi.Over(handler);

        await using var stream = await api.DownloadAsync("big.png");
        long total = 0;
        var buffer = new byte[81920];
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            total += n;
        }

        Assert.Equal(Size, total);
    }

    [Fact]
    public async Task DownloadAsync_ErrorStatus_DisposesTheResponse()
    {
        var body = new CountingStream(10);
        var handler = new FakeHttpHandler(_ => new HttpResponseMessage(HttpStatusCode.BadRequest) { Content = new StreamContent(body) });
        var api = TestApi.Over(handler);

        var error = await Assert.ThrowsAsync<ComfyApiException>(() => api.DownloadAsync("../secret.png"));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.True(body.Disposed);
    }
}
