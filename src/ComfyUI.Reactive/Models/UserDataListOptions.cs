namespace ComfyUI.Reactive.Models;

/// <summary>How <c>GET /userdata</c> lists a directory of the user's data folder.</summary>
public sealed class UserDataListOptions
{
    /// <summary>Include files in subdirectories.</summary>
    public bool Recurse { get; init; }

    /// <summary>Ask for size and times (<c>full_info</c>).</summary>
    public bool FullInfo { get; init; }

    /// <summary>Ask for each path split into segments (<c>split</c>); ignored by the server when <see cref="FullInfo"/> is set.</summary>
    public bool Split { get; init; }
}
