namespace ComfyUI.Reactive.DependencyInjection;

/// <summary>
/// A server's credentials in configuration (<c>Servers:N:Credentials</c>), bindable from <c>appsettings.json</c>, user
/// secrets or environment variables: set one group — <see cref="BearerToken"/>; <see cref="UserName"/> and
/// <see cref="Password"/>; <see cref="HeaderName"/> and <see cref="HeaderValue"/>; <see cref="QueryParameter"/> and
/// <see cref="QueryToken"/> — or several. Not a record on purpose: <see cref="ToString"/> never prints a secret.
/// </summary>
public sealed class ComfyCredentialOptions
{
    /// <summary>A bearer token (<c>Authorization: Bearer ...</c>).</summary>
    public string? BearerToken { get; set; }

    /// <summary>The user name of HTTP basic authentication.</summary>
    public string? UserName { get; set; }

    /// <summary>The password of HTTP basic authentication.</summary>
    public string? Password { get; set; }

    /// <summary>The name of a header that carries a secret, e.g. <c>X-API-Key</c>.</summary>
    public string? HeaderName { get; set; }

    /// <summary>That header's value (a secret).</summary>
    public string? HeaderValue { get; set; }

    /// <summary>The name of a query parameter that carries a token, e.g. <c>token</c>.</summary>
    public string? QueryParameter { get; set; }

    /// <summary>That parameter's value (a secret).</summary>
    public string? QueryToken { get; set; }

    /// <summary>Says which kinds are set, never their secrets.</summary>
    /// <returns>The description.</returns>
    public override string ToString()
    {
        var kinds = new List<string>();
        if (!string.IsNullOrEmpty(BearerToken))
        {
            kinds.Add("bearer ***");
        }

        if (!string.IsNullOrEmpty(UserName))
        {
            kinds.Add($"basic {UserName}:***");
        }

        if (!string.IsNullOrEmpty(HeaderName))
        {
            kinds.Add($"header {HeaderName}: ***");
        }

        if (!string.IsNullOrEmpty(QueryParameter))
        {
            kinds.Add($"query {QueryParameter}=***");
        }

        return kinds.Count == 0 ? "Credentials(none)" : $"Credentials({string.Join(", ", kinds)})";
    }

    /// <summary>The problems of this configuration (halves of a pair missing, a colon in a user name), naming settings,
    /// never values: what <c>AddComfyPool</c> (and <c>AddComfyRedisPool</c>) reject at start-up.</summary>
    /// <returns>One line per problem; none when the configuration is usable.</returns>
    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrEmpty(UserName) != string.IsNullOrEmpty(Password))
        {
            yield return "UserName and Password go together";
        }

        if (string.IsNullOrEmpty(HeaderName) != string.IsNullOrEmpty(HeaderValue))
        {
            yield return "HeaderName and HeaderValue go together";
        }

        if (string.IsNullOrEmpty(QueryParameter) != string.IsNullOrEmpty(QueryToken))
        {
            yield return "QueryParameter and QueryToken go together";
        }

        if (UserName?.Contains(':', StringComparison.Ordinal) == true)
        {
            yield return "UserName must not contain a colon";
        }
    }

    /// <summary>The credentials to give a server's client (<see cref="ComfyClientOptions.Credentials"/>): each complete
    /// group of settings, in the order bearer, basic, header, query.</summary>
    /// <returns>The credentials; none when nothing is set.</returns>
    public IEnumerable<ComfyCredentials> ToCredentials()
    {
        if (!string.IsNullOrEmpty(BearerToken))
        {
            yield return ComfyCredentials.Bearer(BearerToken);
        }

        if (!string.IsNullOrEmpty(UserName) && !string.IsNullOrEmpty(Password))
        {
            yield return ComfyCredentials.Basic(UserName, Password);
        }

        if (!string.IsNullOrEmpty(HeaderName) && !string.IsNullOrEmpty(HeaderValue))
        {
            yield return ComfyCredentials.Header(HeaderName, HeaderValue);
        }

        if (!string.IsNullOrEmpty(QueryParameter) && !string.IsNullOrEmpty(QueryToken))
        {
            yield return ComfyCredentials.QueryToken(QueryParameter, QueryToken);
        }
    }
}
