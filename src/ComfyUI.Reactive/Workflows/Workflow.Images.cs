using ComfyUI.Reactive.Workflows.Images;

namespace ComfyUI.Reactive.Workflows;

/// <summary>
/// The workflow texts ComfyUI embedded in an output image: <see cref="Prompt"/>, the API-format prompt that ran, and
/// <see cref="Editor"/>, the editor (UI) workflow it came from. Either is null when the image lacks it (ComfyUI run with
/// <c>--disable-metadata</c>, an image saved by another program, or a prompt submitted without <c>extra_pnginfo</c>).
/// </summary>
/// <param name="Prompt">The JSON text of the API-format prompt (<c>prompt</c> key), or null.</param>
/// <param name="Editor">The JSON text of the editor workflow (<c>workflow</c> key), or null.</param>
public sealed record EmbeddedWorkflow(string? Prompt, string? Editor);

public sealed partial class Workflow
{
    /// <summary>Reads the prompt and editor workflow embedded in a ComfyUI PNG (tEXt/iTXt/zTXt) or WebP (EXIF) output.</summary>
    /// <param name="image">The image bytes (read to the end, not disposed).</param>
    /// <returns>The embedded texts; both null when the image has none.</returns>
    /// <exception cref="ComfyWorkflowFormatException">The stream is neither PNG nor WebP.</exception>
    public static EmbeddedWorkflow ReadEmbedded(Stream image)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var buffer = new MemoryStream();
        image.CopyTo(buffer);
        var texts = ImageTextChunks.Read(buffer.ToArray());
        return new EmbeddedWorkflow(texts.GetValueOrDefault("prompt"), texts.GetValueOrDefault("workflow"));
    }

    /// <summary>
    /// Reads the workflow of a ComfyUI output image (PNG or WebP): the embedded API prompt when there is one (exactly what
    /// ran), else the embedded editor workflow converted with <paramref name="catalog"/>.
    /// </summary>
    /// <param name="image">The image bytes (read to the end, not disposed).</param>
    /// <param name="catalog">Node schemas, needed only when the image carries just the editor workflow.</param>
    /// <returns>The API-format workflow.</returns>
    /// <exception cref="ComfyWorkflowFormatException">No workflow is embedded, or only the editor format and no catalog was given.</exception>
    /// <exception cref="ComfyWorkflowConversionException">The embedded editor workflow cannot be converted.</exception>
    public static Workflow FromImage(Stream image, NodeSchemaCatalog? catalog = null)
    {
        var embedded = ReadEmbedded(image);
        if (embedded.Prompt is { } prompt)
        {
            return Parse(prompt);
        }

        if (embedded.Editor is { } editor)
        {
            return catalog is null
                ? throw new ComfyWorkflowFormatException(
                    "The image carries only the editor (UI) workflow, not the API prompt; pass a NodeSchemaCatalog to convert it.", isEditorFormat: true)
                : FromEditorFormat(editor, catalog);
        }

        throw new ComfyWorkflowFormatException(
            "The image carries no ComfyUI workflow (no \"prompt\" or \"workflow\" metadata; was ComfyUI run with --disable-metadata?).");
    }

    /// <summary>Reads the workflow of a ComfyUI output image file (see <see cref="FromImage(Stream, NodeSchemaCatalog)"/>).</summary>
    /// <param name="path">The PNG or WebP file.</param>
    /// <param name="catalog">Node schemas, needed only when the image carries just the editor workflow.</param>
    /// <returns>The API-format workflow.</returns>
    /// <exception cref="ComfyWorkflowFormatException">No workflow is embedded, or only the editor format and no catalog was given.</exception>
    /// <exception cref="FileNotFoundException">The file is not there, including when a folder of the path is missing.</exception>
    public static Workflow FromImage(string path, NodeSchemaCatalog? catalog = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = OpenFile(path);
        return FromImage(stream, catalog);
    }
}
