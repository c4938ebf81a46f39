namespace ComfyUI.Reactive.DependencyInjection;

/// <summary>One server of a pool registered with <c>AddComfyPool</c> (<c>Servers:N</c> in configuration).</summary>
public sealed class ComfyServerOptions
{
    /// <summary>The server's name in statuses, metrics and logs; null: its <c>host:port</c>.</summary>
    public string? Name { get; set; }

    /// <summary>The server's base address, <c>http://</c> or <c>https://</c>. Required. Put credentials in
    /// <see cref="Credentials"/>, not in the address.</summary>
    public Uri? Url { get; set; }

    /// <summary>Tags jobs may require (<see cref="Pooling.PoolJobOptions.Tags"/>).</summary>
    public IList<string> Tags { get; } = new List<string>();

    /// <summary>The server's credentials, or null for none.</summary>
    public ComfyCredentialOptions? Credentials { get; set; }

    /// <summary>
    /// The problems of a list of servers, naming settings (<c>Servers:N:...</c>), never values: none given, an address
    /// that is not absolute http(s) or carries credentials, two servers with the same name (or <c>host:port</c>), and
    /// incomplete credentials. What the hosting extensions reject at start-up.
    /// </summary>
    /// <param name="servers">The servers, in configuration order.</param>
    /// <returns>One line per problem; none when the list is usable.</returns>
    public static IEnumerable<string> Problems(IEnumerable<ComfyServerOptions> servers)
    {
        ArgumentNullException.ThrowIfNull(servers);
        var names = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var server in servers)
        {
            var where = $"Servers:{i++}";
            if (server.Url is not { IsAbsoluteUri: true } url || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                yield return $"{where}:Url must be an absolute http:// or https:// address";
            }
            else
            {
                if (!string.IsNullOrEmpty(url.UserInfo) || !string.IsNullOrEmpty(url.Query))
                {
                    yield return $"{where}:Url must not carry credentials (user info or a query); use {where}:Credentials";
                }

                var name = string.IsNullOrEmpty(server.Name) ? url.GetComponents(UriComponents.HostAndPort, UriFormat.UriEscaped) : server.Name;
                if (!names.Add(name))
                {
                    yield return $"{where}:Name '{name}' is used by another server";
                }
            }

            foreach (var problem in server.Credentials?.Problems() ?? [])
            {
                yield return $"{where}:Credentials: {problem}";
            }
        }

        if (i == 0)
        {
            yield return "Servers: at least one server is needed";
        }
    }

    /// <summary>Describes the server without secrets.</summary>
    /// <returns>The description.</returns>
    public override string ToString() =>
        $"Server({Name ?? "unnamed"}, {Url?.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped) ?? "no url"}, tags [{string.Join(", ", Tags)}], {Credentials?.ToString() ?? "Credentials(none)"})";
}
