namespace ComfyUI.Reactive.Benchmarks.WholeProcess;

/// <summary>
/// The HTTP handler of both clients in <c>process</c> mode: the runtime's own <see cref="SocketsHttpHandler"/> (as the
/// SDK builds it), telling the <see cref="JobClock"/> when the first <c>POST /prompt</c> is handed to it. From the first
/// <c>Run</c> to that moment is what the client itself takes to submit; the server's answer comes on top.
/// </summary>
internal sealed class FirstPostTimer(JobClock clock) : DelegatingHandler(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Method == HttpMethod.Post && request.RequestUri?.AbsolutePath.EndsWith("/prompt", StringComparison.Ordinal) == true)
        {
            clock.Sent();
        }

        return base.SendAsync(request, cancellationToken);
    }
}
