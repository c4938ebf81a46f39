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

    /// <summary>Describes the server without secrets.</summary>
    /// <returns>The description.</returns>
    public override string ToString() =>
        $"Server({Name ?? "unnamed"}, {Url?.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped) ?? "no url"}, tags [{string.Join(", ", Tags)}], {Credentials?.ToString() ?? "Credentials(none)"})";
}
