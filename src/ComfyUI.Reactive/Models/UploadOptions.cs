namespace ComfyUI.Reactive.Models;

/// <summary>Where and how <c>/upload/image</c> and <c>/upload/mask</c> store a file.</summary>
public sealed class UploadOptions
{
    /// <summary>The folder kind: <c>input</c> (the server's default), <c>temp</c> or <c>output</c>. Null sends nothing.</summary>
    public string? Type { get; init; }

    /// <summary>A relative subfolder, created when needed. Null or empty for the top level.</summary>
    public string? Subfolder { get; init; }

    /// <summary>Overwrite a file of the same name. When false, identical bytes reuse the existing name and
    /// different bytes are stored as <c>name (1).ext</c>.</summary>
    public bool Overwrite { get; init; }

    /// <summary>The MIME type of the file part. Default <c>image/png</c>.</summary>
    public string ContentType { get; init; } = "image/png";
}
