using System.Collections.Immutable;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ComfyUI.Reactive.Workflows;

/// <summary>
/// An API-format ComfyUI workflow (the <c>prompt</c> object of <c>POST /prompt</c>, PROTOCOL.md §5.1): node id →
/// <c>{class_type, inputs, _meta}</c>. Load one exported with "Export (API)", change a few inputs, run it.
/// </summary>
/// <remarks>
/// <para><b>Immutable.</b> Every edit (<see cref="Set(string, JsonNode)"/>, <see cref="Bypass"/>, <see cref="Output"/>, ...)
/// returns a new <see cref="Workflow"/> and leaves this one untouched, so one instance can be shared, cached and run
/// many times and from many threads at once. The JSON is held as a read-only <see cref="JsonElement"/>;
/// <see cref="Render"/> builds a fresh prompt object on every call, so two runs never share mutable state.</para>
/// <para><b>Lossless.</b> <see cref="ToJson"/> returns the JSON exactly as parsed (key order, <c>_meta</c>, unknown
/// fields, even the formatting) until the first edit; after an edit it is the same document with only that change.</para>
/// <para><b>Seeds.</b> A <c>seed</c> or <c>noise_seed</c> input whose value is <c>-1</c> (see <see cref="RandomizeSeeds"/>)
/// is replaced by a freshly drawn seed every time the prompt is rendered for a run (<see cref="Render"/>,
/// <see cref="ToPromptJson"/>), never once per workflow.</para>
/// </remarks>
public sealed partial class Workflow
{
    /// <summary>The value that marks a seed input to be drawn fresh at every run.</summary>
    public const long RandomSeed = -1;

    private static readonly JsonSerializerOptions WriteOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonDocumentOptions ReadOptions = new() { MaxDepth = 256 };

    private readonly JsonElement _root;
    private readonly Dictionary<string, JsonElement> _nodes;
    private readonly ImmutableDictionary<string, string> _outputs;
    private string? _hash;

    private Workflow(JsonElement root, ImmutableDictionary<string, string> outputs)
    {
        _root = root;
        _outputs = outputs;
        _nodes = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var ids = new List<string>();
        foreach (var property in root.EnumerateObject())
        {
            // Python's json keeps the last of duplicate keys; so does the server, so we do too.
            if (_nodes.TryAdd(property.Name, property.Value))
            {
                ids.Add(property.Name);
            }
            else
            {
                _nodes[property.Name] = property.Value;
            }

            HasRandomSeeds |= Seeds.HasRandom(property.Value);
        }

        NodeIds = ids;
    }

    /// <summary>The node ids in document order.</summary>
    public IReadOnlyList<string> NodeIds { get; }

    /// <summary>The number of nodes.</summary>
    public int Count => NodeIds.Count;

    /// <summary>True when some <c>seed</c>/<c>noise_seed</c> input is <c>-1</c> and will be drawn fresh at every render.</summary>
    public bool HasRandomSeeds { get; }

    /// <summary>Output aliases (alias → node id) set with <see cref="Output"/>; the job layer names results by them.</summary>
    public IReadOnlyDictionary<string, string> Outputs => _outputs;

    /// <summary>
    /// A structural hash (lowercase hex SHA-256) of the graph: node ids, class types, input names, links and model file
    /// names. Stable across prompt text, seeds, steps, sizes and other scalar widget values, <c>_meta</c> and key order;
    /// changes when a class type, a link, a model file name or the set of nodes or inputs changes. Use it to group
    /// runs of "the same pipeline" (e.g. to pick a server that has it warm). See <see cref="IsModelReference"/> for
    /// which values count as model file names. Output aliases are not part of it.
    /// </summary>
    public string Hash => _hash ??= StructuralHash.Compute(NodeIds, _nodes);

    /// <summary>Whether <see cref="Hash"/> is known without computing it (computed, or carried over by an edit).</summary>
    internal bool HasHash => _hash is not null;

    /// <summary>Reads an API-format workflow from JSON text.</summary>
    /// <param name="json">The JSON text of the workflow (an object of node id → node).</param>
    /// <returns>The workflow.</returns>
    /// <exception cref="ComfyWorkflowFormatException">The text is not JSON, is the editor (UI) format, or is not a workflow.</exception>
    public static Workflow Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json, ReadOptions);
            return FromElement(document.RootElement);
        }
        catch (JsonException ex)
        {
            throw new ComfyWorkflowFormatException($"The workflow is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>Reads an API-format workflow from a UTF-8 JSON stream (read to the end, not disposed).</summary>
    /// <param name="utf8Json">The stream.</param>
    /// <returns>The workflow.</returns>
    /// <exception cref="ComfyWorkflowFormatException">The content is not JSON, is the editor (UI) format, or is not a workflow.</exception>
    public static Workflow Parse(Stream utf8Json)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        try
        {
            using var document = JsonDocument.Parse(utf8Json, ReadOptions);
            return FromElement(document.RootElement);
        }
        catch (JsonException ex)
        {
            throw new ComfyWorkflowFormatException($"The workflow is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>Reads an API-format workflow from a UTF-8 JSON stream asynchronously (read to the end, not disposed).</summary>
    /// <param name="utf8Json">The stream.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The workflow.</returns>
    /// <exception cref="ComfyWorkflowFormatException">The content is not JSON, is the editor (UI) format, or is not a workflow.</exception>
    public static async Task<Workflow> ParseAsync(Stream utf8Json, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        try
        {
            using var document = await JsonDocument.ParseAsync(utf8Json, ReadOptions, cancellationToken).ConfigureAwait(false);
            return FromElement(document.RootElement);
        }
        catch (JsonException ex)
        {
            throw new ComfyWorkflowFormatException($"The workflow is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>Reads an API-format workflow from a JSON file.</summary>
    /// <param name="path">The file path.</param>
    /// <returns>The workflow.</returns>
    /// <exception cref="ComfyWorkflowFormatException">The file is not JSON, is the editor (UI) format, or is not a workflow.</exception>
    /// <exception cref="FileNotFoundException">The file is not there, including when a folder of the path is missing
    /// (<see cref="FileNotFoundException.FileName"/> is the full path).</exception>
    public static Workflow Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = OpenFile(path);
        return Parse(stream);
    }

    /// <summary>Opens a workflow or image file; a missing folder is reported like a missing file.</summary>
    private static FileStream OpenFile(string path)
    {
        try
        {
            return File.OpenRead(path);
        }
        catch (DirectoryNotFoundException ex)
        {
            // "Not there" is one condition to a caller, whichever part of the path is missing: one exception type for it.
            var full = Path.GetFullPath(path);
            throw new FileNotFoundException($"The file '{full}' does not exist (its folder is missing).", full, ex);
        }
    }

    /// <summary>Reads an API-format workflow from a JSON node (copied; later changes to <paramref name="json"/> do not affect it).</summary>
    /// <param name="json">The workflow object.</param>
    /// <returns>The workflow.</returns>
    /// <exception cref="ComfyWorkflowFormatException">The node is the editor (UI) format or not a workflow.</exception>
    public static Workflow Parse(JsonNode json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Parse(json.ToJsonString(WriteOptions));
    }

    /// <summary>Reads an API-format workflow from a JSON element (copied).</summary>
    /// <param name="json">The workflow object.</param>
    /// <returns>The workflow.</returns>
    /// <exception cref="ComfyWorkflowFormatException">The element is the editor (UI) format or not a workflow.</exception>
    public static Workflow Parse(JsonElement json) => FromElement(json);

    /// <summary>The node's <c>class_type</c>.</summary>
    /// <param name="nodeId">The node id.</param>
    /// <returns>The class type, or null when the node has none.</returns>
    /// <exception cref="ComfyWorkflowException">No node has that id.</exception>
    public string? GetClassType(string nodeId) => ClassTypeOf(Node(nodeId));

    /// <summary>The node's title (<c>_meta.title</c>).</summary>
    /// <param name="nodeId">The node id.</param>
    /// <returns>The title, or null when the node has none.</returns>
    /// <exception cref="ComfyWorkflowException">No node has that id.</exception>
    public string? GetTitle(string nodeId) => TitleOf(Node(nodeId));

    /// <summary>True when a node has this id.</summary>
    /// <param name="nodeId">The node id.</param>
    /// <returns>Whether the node exists.</returns>
    public bool ContainsNode(string nodeId) => nodeId is not null && _nodes.ContainsKey(nodeId);

    /// <summary>Reads one input value by path <c>nodeId.inputs.name</c> or alias (a copy; a link reads as <c>["id", index]</c>).</summary>
    /// <param name="path">The path, e.g. <c>6.inputs.text</c>, or an alias set with <see cref="Input"/>.</param>
    /// <returns>The value, or null when the node has no such input (or its value is JSON null).</returns>
    /// <exception cref="ComfyWorkflowException">No node has that id.</exception>
    public JsonNode? Get(string path)
    {
        var (nodeId, input) = SplitPath(ResolveAlias(path));
        return InputsOf(Node(nodeId)) is { } inputs && inputs.TryGetProperty(input, out var value)
            ? JsonNode.Parse(value.GetRawText())
            : null;
    }

    /// <summary>The node ids whose <c>_meta.title</c> equals <paramref name="title"/> (ordinal), in document order.</summary>
    /// <param name="title">The title.</param>
    /// <returns>The matching ids, possibly none.</returns>
    public IReadOnlyList<string> FindByTitle(string title) =>
        [.. NodeIds.Where(id => string.Equals(TitleOf(_nodes[id]), title, StringComparison.Ordinal))];

    /// <summary>The node ids whose <c>class_type</c> equals <paramref name="classType"/> (ordinal), in document order.</summary>
    /// <param name="classType">The class type, e.g. <c>KSampler</c>.</param>
    /// <returns>The matching ids, possibly none.</returns>
    public IReadOnlyList<string> FindByClass(string classType) =>
        [.. NodeIds.Where(id => string.Equals(ClassTypeOf(_nodes[id]), classType, StringComparison.Ordinal))];

    /// <summary>The workflow as JSON, losslessly: exactly the parsed text until the first edit.</summary>
    /// <returns>The JSON text. Seeds of <c>-1</c> stay <c>-1</c>; use <see cref="ToPromptJson"/> to submit.</returns>
    public string ToJson() => _root.GetRawText();

    /// <summary>
    /// Builds the prompt object to submit for one run: a fresh copy, with every <c>-1</c> seed replaced by a newly
    /// drawn one. Call it once per run; the caller owns the result.
    /// </summary>
    /// <param name="schema">When given, drawn seeds stay within each seed input's declared min/max.</param>
    /// <returns>A new JSON object (node id → node).</returns>
    public JsonObject Render(NodeSchemaCatalog? schema = null) => RenderCore(Random.Shared, schema);

    /// <summary>The prompt JSON text for one run (see <see cref="Render"/>): fresh seeds on every call.</summary>
    /// <param name="schema">When given, drawn seeds stay within each seed input's declared min/max.</param>
    /// <returns>Compact JSON text.</returns>
    public string ToPromptJson(NodeSchemaCatalog? schema = null) =>
        HasRandomSeeds ? Render(schema).ToJsonString(WriteOptions) : ToJson();

    /// <summary>Returns the node count and hash.</summary>
    public override string ToString() => $"Workflow ({Count} nodes, hash {Hash[..12]})";

    internal JsonObject RenderCore(Random random, NodeSchemaCatalog? schema)
    {
        var root = JsonObject.Create(_root)!;
        if (HasRandomSeeds)
        {
            Seeds.Draw(root, random, schema);
        }

        return root;
    }

    internal IReadOnlyDictionary<string, JsonElement> NodeElements => _nodes;

    internal JsonElement Root => _root;

    internal static string? ClassTypeOf(JsonElement node) =>
        node.ValueKind == JsonValueKind.Object && node.TryGetProperty("class_type", out var c) && c.ValueKind == JsonValueKind.String
            ? c.GetString()
            : null;

    internal static string? TitleOf(JsonElement node) =>
        node.ValueKind == JsonValueKind.Object && node.TryGetProperty("_meta", out var meta) && meta.ValueKind == JsonValueKind.Object &&
        meta.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String
            ? t.GetString()
            : null;

    internal static JsonElement? InputsOf(JsonElement node) =>
        node.ValueKind == JsonValueKind.Object && node.TryGetProperty("inputs", out var inputs) && inputs.ValueKind == JsonValueKind.Object
            ? inputs
            : null;

    internal JsonElement Node(string nodeId)
    {
        ArgumentNullException.ThrowIfNull(nodeId);
        return _nodes.TryGetValue(nodeId, out var node)
            ? node
            : throw new ComfyWorkflowException($"The workflow has no node '{nodeId}'. Its nodes are: {Describe(NodeIds)}.", nodeId);
    }

    internal string Describe(IEnumerable<string> ids) =>
        string.Join(", ", ids.Take(12).Select(id =>
        {
            var node = _nodes[id];
            var title = TitleOf(node);
            return title is null ? $"{id} ({ClassTypeOf(node)})" : $"{id} ({ClassTypeOf(node)} '{title}')";
        })) + (ids.Skip(12).Any() ? ", ..." : string.Empty);

    internal static Workflow FromElement(JsonElement root, ImmutableDictionary<string, string>? outputs = null)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ComfyWorkflowFormatException(
                $"An API-format workflow is a JSON object of node id → node, but this JSON is {Article(root.ValueKind)}.");
        }

        if (root.TryGetProperty("nodes", out var nodes) && nodes.ValueKind == JsonValueKind.Array &&
            root.TryGetProperty("links", out var links) && links.ValueKind == JsonValueKind.Array)
        {
            throw new ComfyWorkflowFormatException(
                "This is a workflow in the ComfyUI editor (UI) format (it has top-level \"nodes\" and \"links\" arrays), " +
                "which the server cannot run. In ComfyUI, use Workflow → \"Export (API)\" (older menus: enable dev mode " +
                "options, then \"Save (API Format)\") and load that file instead.",
                isEditorFormat: true);
        }

        var anyClassType = false;
        foreach (var property in root.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.Object)
            {
                var hint = root.TryGetProperty("prompt", out var p) && p.ValueKind == JsonValueKind.Object
                    ? " It looks like a POST /prompt body or a history entry: pass its \"prompt\" object instead."
                    : string.Empty;
                throw new ComfyWorkflowFormatException(
                    $"In an API-format workflow every value is a node object, but \"{property.Name}\" is {Article(property.Value.ValueKind)}.{hint}");
            }

            if (property.Value.TryGetProperty("inputs", out var inputs) && inputs.ValueKind != JsonValueKind.Object)
            {
                throw new ComfyWorkflowFormatException($"Node \"{property.Name}\" has \"inputs\" that is {Article(inputs.ValueKind)}, not an object.");
            }

            anyClassType |= ClassTypeOf(property.Value) is not null;
        }

        if (!anyClassType && root.EnumerateObject().Any())
        {
            throw new ComfyWorkflowFormatException(
                "No node of this JSON has a \"class_type\", so it is not an API-format workflow. Export it from ComfyUI with \"Export (API)\".");
        }

        return new Workflow(root.Clone(), outputs ?? ImmutableDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal));
    }

    private static string Article(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };
}
