using System.Text.Json;
using ComfyUI.Reactive.Workflows.EditorFormat;

namespace ComfyUI.Reactive.Workflows;

public sealed partial class Workflow
{
    /// <summary>
    /// Reads a workflow in either format: the API format as <see cref="Parse(string)"/> does, or the editor (UI "Save")
    /// format, converted with <paramref name="catalog"/> exactly as ComfyUI's frontend converts it for "Export (API)"
    /// (see <see cref="FromEditorFormat(string, NodeSchemaCatalog)"/>).
    /// </summary>
    /// <param name="json">The JSON text of the workflow.</param>
    /// <param name="catalog">The server's node schemas (<c>/object_info</c>), needed to map widget values to inputs.</param>
    /// <returns>The API-format workflow.</returns>
    /// <exception cref="ComfyWorkflowConversionException">An editor workflow cannot be converted (unknown node type, widget
    /// values that do not fit the schema, a dangling link, ...); it names the node.</exception>
    /// <exception cref="ComfyWorkflowFormatException">The text is not JSON or not a workflow of either format.</exception>
    public static Workflow Parse(string json, NodeSchemaCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(catalog);
        try
        {
            using var document = JsonDocument.Parse(json, ReadOptions);
            return FromEitherFormat(document.RootElement, catalog, Random.Shared);
        }
        catch (JsonException ex)
        {
            throw new ComfyWorkflowFormatException($"The workflow is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>Reads a workflow file in either format (see <see cref="Parse(string, NodeSchemaCatalog)"/>).</summary>
    /// <param name="path">The file path.</param>
    /// <param name="catalog">The server's node schemas.</param>
    /// <returns>The API-format workflow.</returns>
    /// <exception cref="ComfyWorkflowConversionException">An editor workflow cannot be converted; it names the node.</exception>
    /// <exception cref="ComfyWorkflowFormatException">The file is not JSON or not a workflow of either format.</exception>
    /// <exception cref="FileNotFoundException">The file is not there, including when a folder of the path is missing.</exception>
    public static Workflow Load(string path, NodeSchemaCatalog catalog)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = OpenFile(path);
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd(), catalog);
    }

    /// <summary>
    /// Converts an editor (UI "Save") format workflow to the API format the way ComfyUI_frontend's <c>graphToPrompt</c>
    /// does: widget values mapped to input names in schema order (skipping the <c>control_after_generate</c> and
    /// <c>upload</c> helper values), links followed through Reroutes, PrimitiveNode values written into the inputs they
    /// feed, Note/MarkdownNote and muted (mode 2) nodes dropped, bypassed (mode 4) nodes rewired by type, group nodes and
    /// subgraphs flattened with <c>outer:inner</c> ids, titles in <c>_meta.title</c>.
    /// </summary>
    /// <param name="json">The editor-format JSON text (top-level <c>nodes</c> and <c>links</c>).</param>
    /// <param name="catalog">The server's node schemas.</param>
    /// <returns>The API-format workflow.</returns>
    /// <exception cref="ComfyWorkflowConversionException">The workflow cannot be converted; it names the node and the problem.</exception>
    /// <exception cref="ComfyWorkflowFormatException">The text is not JSON or not an editor workflow.</exception>
    public static Workflow FromEditorFormat(string json, NodeSchemaCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(catalog);
        try
        {
            using var document = JsonDocument.Parse(json, ReadOptions);
            return FromEditorFormat(document.RootElement, catalog, Random.Shared);
        }
        catch (JsonException ex)
        {
            throw new ComfyWorkflowFormatException($"The workflow is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>True when the JSON is the editor (UI) format: an object with top-level <c>nodes</c> and <c>links</c> arrays.</summary>
    /// <param name="json">The parsed JSON.</param>
    /// <returns>Whether it is the editor format.</returns>
    public static bool IsEditorFormat(JsonElement json) =>
        json.ValueKind == JsonValueKind.Object &&
        json.TryGetProperty("nodes", out var nodes) && nodes.ValueKind == JsonValueKind.Array &&
        json.TryGetProperty("links", out var links) && links.ValueKind == JsonValueKind.Array;

    internal static Workflow FromEitherFormat(JsonElement root, NodeSchemaCatalog catalog, Random random) =>
        IsEditorFormat(root) ? FromEditorFormat(root, catalog, random) : FromElement(root);

    /// <param name="root">The editor workflow.</param>
    /// <param name="catalog">The node schemas.</param>
    /// <param name="random">Picks dynamic-prompt options (<c>{a|b}</c>); tests pass a seeded one.</param>
    internal static Workflow FromEditorFormat(JsonElement root, NodeSchemaCatalog catalog, Random random)
    {
        if (!IsEditorFormat(root))
        {
            throw new ComfyWorkflowFormatException("This JSON is not an editor (UI) format workflow: it has no top-level \"nodes\" and \"links\" arrays.");
        }

        var prompt = EditorConverter.Convert(root, catalog, random);
        return Parse(prompt);
    }
}
