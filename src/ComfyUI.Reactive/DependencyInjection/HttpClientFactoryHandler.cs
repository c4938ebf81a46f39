using Microsoft.Extensions.Http;

namespace ComfyUI.Reactive.DependencyInjection;

/// <summary>
/// Sends each request through the current handler pipeline of a named <c>IHttpClientFactory</c> client.
/// </summary>
/// <remarks>
/// A <c>ComfyClient</c> lives as long as the container, so holding one <see cref="HttpClient"/> from the factory would pin
/// its first handler forever and defeat the factory's handler rotation (the point of it: following DNS changes). Asking
/// the factory per request costs a dictionary lookup and always uses the live pipeline. The factory owns the handlers;
/// this class disposes none.
/// </remarks>
internal sealed class HttpClientFactoryHandler(IHttpMessageHandlerFactory factory, string httpClientName) : HttpMessageHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var invoker = new HttpMessageInvoker(factory.CreateHandler(httpClientName), disposeHandler: false);
        return await invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
