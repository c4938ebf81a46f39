using System.Net.Http.Headers;
using System.Text;

namespace ComfyUI.Reactive;

/// <summary>
/// A credential the client attaches to every HTTP request AND to the websocket upgrade request.
/// ComfyUI itself has no authentication; these are for the reverse proxies and gateways that put one in front of it.
/// </summary>
/// <remarks>
/// <c>ToString()</c> never reveals the secret, and the client redacts query tokens from every URI it logs
/// or puts into an exception message.
/// </remarks>
public abstract class ComfyCredentials
{
    private protected ComfyCredentials()
    {
    }

    /// <summary>HTTP basic authentication (<c>Authorization: Basic base64(user:password)</c>).</summary>
    /// <param name="userName">The user name; must not contain a colon.</param>
    /// <param name="password">The password.</param>
    public static ComfyCredentials Basic(string userName, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(userName);
        ArgumentNullException.ThrowIfNull(password);
        if (userName.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("A basic-auth user name cannot contain ':'.", nameof(userName));
        }

        return new HeaderCredentials(
            "Authorization",
            "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(userName + ":" + password)),
            $"Basic(user={userName}, password=***)");
    }

    /// <summary>A bearer token (<c>Authorization: Bearer token</c>).</summary>
    /// <param name="token">The token.</param>
    public static ComfyCredentials Bearer(string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        return new HeaderCredentials("Authorization", "Bearer " + token, "Bearer(***)");
    }

    /// <summary>A custom header whose value is a secret, e.g. <c>X-API-Key</c>.</summary>
    /// <param name="name">The header name.</param>
    /// <param name="value">The header value (treated as a secret).</param>
    public static ComfyCredentials Header(string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        return new HeaderCredentials(name, value, $"Header({name}=***)");
    }

    /// <summary>A token passed as a query parameter, e.g. <c>?token=...</c>, on every request and on the websocket URI.</summary>
    /// <param name="parameterName">The query parameter name.</param>
    /// <param name="token">The token (treated as a secret).</param>
    public static ComfyCredentials QueryToken(string parameterName, string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(parameterName);
        ArgumentException.ThrowIfNullOrEmpty(token);
        return new QueryTokenCredentials(parameterName, token);
    }

    /// <summary>Adds this credential to an outgoing HTTP request.</summary>
    internal abstract void Apply(HttpRequestMessage request);

    /// <summary>Adds this credential to the websocket upgrade: headers through <paramref name="setHeader"/>, query tokens to the URI.</summary>
    internal abstract Uri ApplyToWebSocket(Uri uri, Action<string, string> setHeader);

    /// <summary>Returns <paramref name="text"/> with this credential's secret replaced by <c>***</c>.</summary>
    internal abstract string Redact(string text);

    /// <summary>Adds or replaces one query parameter, keeping the others.</summary>
    private protected static Uri WithQueryParameter(Uri uri, string name, string value)
    {
        var builder = new UriBuilder(uri);
        var query = builder.Query.TrimStart('?');
        var parts = query.Length == 0
            ? new List<string>()
            : query.Split('&').Where(p => !p.StartsWith(Uri.EscapeDataString(name) + "=", StringComparison.Ordinal)).ToList();
        parts.Add(Uri.EscapeDataString(name) + "=" + Uri.EscapeDataString(value));
        builder.Query = string.Join('&', parts);
        return builder.Uri;
    }

    private sealed class HeaderCredentials(string name, string value, string display) : ComfyCredentials
    {
        internal override void Apply(HttpRequestMessage request)
        {
            request.Headers.Remove(name);
            if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
            {
                var space = value.IndexOf(' ', StringComparison.Ordinal);
                request.Headers.Authorization = new AuthenticationHeaderValue(value[..space], value[(space + 1)..]);
            }
            else
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        internal override Uri ApplyToWebSocket(Uri uri, Action<string, string> setHeader)
        {
            setHeader(name, value);
            return uri;
        }

        internal override string Redact(string text)
        {
            text = text.Replace(value, "***", StringComparison.Ordinal);
            var space = value.IndexOf(' ', StringComparison.Ordinal);
            return space > 0 ? text.Replace(value[(space + 1)..], "***", StringComparison.Ordinal) : text;
        }

        public override string ToString() => display;
    }

    private sealed class QueryTokenCredentials(string parameterName, string token) : ComfyCredentials
    {
        internal override void Apply(HttpRequestMessage request)
        {
            if (request.RequestUri is { IsAbsoluteUri: true } uri)
            {
                request.RequestUri = WithQueryParameter(uri, parameterName, token);
            }
        }

        internal override Uri ApplyToWebSocket(Uri uri, Action<string, string> setHeader) =>
            WithQueryParameter(uri, parameterName, token);

        internal override string Redact(string text) =>
            text.Replace(Uri.EscapeDataString(token), "***", StringComparison.Ordinal)
                .Replace(token, "***", StringComparison.Ordinal);

        public override string ToString() => $"QueryToken({parameterName}=***)";
    }
}
