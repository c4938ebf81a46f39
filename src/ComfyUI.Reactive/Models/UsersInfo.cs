using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Models;

/// <summary>The answer of <c>GET /users</c>: how the server stores user data, and its users in multi-user mode.</summary>
public sealed class UsersInfo
{
    /// <summary>The storage kind, <c>server</c> for a local server.</summary>
    [JsonPropertyName("storage")]
    public string? Storage { get; init; }

    /// <summary>Single-user mode: whether the default user's folder exists; null in multi-user mode.</summary>
    [JsonPropertyName("migrated")]
    public bool? Migrated { get; init; }

    /// <summary>Multi-user mode: user id → name; null in single-user mode.</summary>
    [JsonPropertyName("users")]
    public IReadOnlyDictionary<string, string>? Users { get; init; }

    /// <summary>True when the server runs with <c>--multi-user</c> (it listed users).</summary>
    [JsonIgnore]
    public bool IsMultiUser => Users is not null;
}
