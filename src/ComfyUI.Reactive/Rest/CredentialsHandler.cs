namespace ComfyUI.Reactive.Rest;

/// <summary>
/// Adds every configured credential to each outgoing request, right before it leaves the client, so that requests
/// built by Refit, by hand, or redirected all carry them.
/// </summary>
/// <remarks>
/// Never disposed: <see cref="DelegatingHandler"/> would dispose its inner handler, which may be the caller's. It holds
/// no resources itself; <see cref="ComfyApi"/> disposes the inner handler directly, and only when it created it.
/// </remarks>
internal sealed class CredentialsHandler(IReadOnlyList<ComfyCredentials> credentials, HttpMessageHandler innerHandler)
    : DelegatingHandler(innerHandler)
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var credential in credentials)
        {
            credential.Apply(request);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
