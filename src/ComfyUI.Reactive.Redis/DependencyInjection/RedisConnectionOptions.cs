using StackExchange.Redis;

namespace ComfyUI.Reactive.Redis.DependencyInjection;

/// <summary>
/// How <c>AddComfyRedisPool</c> reaches Redis (<c>Redis</c> in configuration): a StackExchange.Redis configuration
/// string, with the password apart so that it can come from user secrets or an environment variable
/// (<c>ComfyRedisPool__Redis__Password</c>). <see cref="Configure"/> sets the rest in code (TLS certificate callbacks, a
/// retry policy). Not a record on purpose: <see cref="ToString"/> never prints the password.
/// </summary>
public sealed class RedisConnectionOptions
{
    /// <summary>The configuration string, e.g. <c>redis.internal:6379,ssl=true,abortConnect=false</c>. Required unless
    /// <see cref="Configure"/> adds the endpoints. A <c>password=</c> in it works too, but <see cref="Password"/> keeps
    /// the secret out of the string.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The ACL user; null: the string's or none.</summary>
    public string? User { get; set; }

    /// <summary>The password (a secret); null: the string's or none. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>Whether to use TLS; null: the string's.</summary>
    public bool? Ssl { get; set; }

    /// <summary>Sets what configuration cannot (certificate callbacks, a reconnect policy); runs last, on a fresh
    /// <see cref="ConfigurationOptions"/> each time the options are built (validation, connecting), so it may run more
    /// than once. Code only.</summary>
    public Action<ConfigurationOptions>? Configure { get; set; }

    /// <summary>Names the endpoints and the user, never the password.</summary>
    /// <returns>The description.</returns>
    public override string ToString()
    {
        string endpoints;
        try
        {
            endpoints = string.Join(", ", Build().EndPoints.Select(e => e.ToString()));
        }
#pragma warning disable CA1031 // A description must not throw: an unparsable string is described as such.
        catch (Exception)
#pragma warning restore CA1031
        {
            endpoints = "invalid configuration string";
        }

        var secret = !string.IsNullOrEmpty(Password) ? ", password ***" : string.Empty;
        var user = !string.IsNullOrEmpty(User) ? $", user {User}" : string.Empty;
        return $"Redis({endpoints}{user}{secret})";
    }

    /// <summary>The problems of this connection, naming settings, never values (the string may hold a password).</summary>
    internal IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString) && Configure is null)
        {
            yield return "ConnectionString is required (e.g. host:6379)";
            yield break;
        }

        ConfigurationOptions? options = null;
        string? problem = null;
        try
        {
            options = Build();
        }
        catch (ArgumentException ex)
        {
            // StackExchange.Redis' messages name the keyword; the value after '=' is not repeated here.
            problem = $"ConnectionString is not a valid StackExchange.Redis configuration string ({KeywordOf(ex.Message)})";
        }

        if (problem is not null)
        {
            yield return problem;
        }
        else if (options!.EndPoints.Count == 0)
        {
            yield return "ConnectionString names no endpoint (e.g. host:6379)";
        }
    }

    /// <summary>The client's options: the string, then the user, password and TLS, then <see cref="Configure"/>.</summary>
    internal ConfigurationOptions ToConfigurationOptions() => Build();

    private ConfigurationOptions Build()
    {
        var options = string.IsNullOrWhiteSpace(ConnectionString) ? new ConfigurationOptions() : ConfigurationOptions.Parse(ConnectionString);
        if (!string.IsNullOrEmpty(User))
        {
            options.User = User;
        }

        if (!string.IsNullOrEmpty(Password))
        {
            options.Password = Password;
        }

        if (Ssl is { } ssl)
        {
            options.Ssl = ssl;
        }

        Configure?.Invoke(options);
        return options;
    }

    /// <summary>The quoted keyword of a parse error, if any; never the rest of the message (it may quote a value).</summary>
    private static string KeywordOf(string message)
    {
        var start = message.IndexOf('\'', StringComparison.Ordinal);
        var end = start < 0 ? -1 : message.IndexOf('\'', start + 1);
        return end > start + 1 && !message[(start + 1)..end].Contains('=', StringComparison.Ordinal)
            ? $"keyword '{message[(start + 1)..end]}'"
            : "check its keywords";
    }
}
