using System.Text;

namespace ComfyUI.Reactive.Emulator;

/// <summary>An authentication requirement for the emulator (real ComfyUI has none; reverse proxies in front of it do).</summary>
public sealed class EmulatorAuth
{
    private readonly string expectedHeader;

    private EmulatorAuth(string expectedHeader, string scheme)
    {
        this.expectedHeader = expectedHeader;
        Scheme = scheme;
    }

    /// <summary>The scheme announced in <c>WWW-Authenticate</c> on a 401 (<c>Basic</c> or <c>Bearer</c>).</summary>
    public string Scheme { get; }

    /// <summary>Requires <c>Authorization: Basic base64(user:password)</c>.</summary>
    /// <param name="userName">The user name.</param>
    /// <param name="password">The password.</param>
    /// <returns>The requirement.</returns>
    public static EmulatorAuth Basic(string userName, string password)
    {
        ArgumentNullException.ThrowIfNull(userName);
        ArgumentNullException.ThrowIfNull(password);
        return new EmulatorAuth("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(userName + ":" + password)), "Basic");
    }

    /// <summary>Requires <c>Authorization: Bearer token</c>.</summary>
    /// <param name="token">The token.</param>
    /// <returns>The requirement.</returns>
    public static EmulatorAuth Bearer(string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        return new EmulatorAuth("Bearer " + token, "Bearer");
    }

    internal bool Accepts(string? authorizationHeader) =>
        authorizationHeader is not null &&
        System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            Encoding.UTF8.GetBytes(authorizationHeader), Encoding.UTF8.GetBytes(expectedHeader));

    /// <summary>Names the scheme only; the secret never appears.</summary>
    /// <returns>For example <c>Bearer(***)</c>.</returns>
    public override string ToString() => Scheme + "(***)";
}
