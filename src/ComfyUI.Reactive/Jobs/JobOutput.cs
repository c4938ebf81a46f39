using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Jobs;

/// <summary>
/// The output of one node of a job: its files (downloadable), text, websocket images, and the raw UI output.
/// A node served from the cache gives the same shape as one that ran.
/// </summary>
public sealed class JobOutput
{
    private static readonly IReadOnlyList<JobFile> NoFiles = [];
    private static readonly IReadOnlyList<JobImage> NoImages = [];

    internal JobOutput(ComfyApi api, string nodeId, string? classType, NodeOutput? output, IReadOnlyList<JobImage>? websocketImages)
    {
        NodeId = nodeId;
        ClassType = classType;
        Output = output ?? Empty;
        Images = Wrap(api, Output.Images);
        Videos = Wrap(api, Output.Videos);
        Audio = Wrap(api, Output.Audio);
        WebsocketImages = websocketImages ?? NoImages;
    }

    /// <summary>
    /// An output rebuilt from a node's UI output as the server's history (or a stored job record) holds it, for a process
    /// that did not run the job. Its files download through <paramref name="api"/>: the API of the server that ran it.
    /// </summary>
    /// <param name="api">The API of the server that produced the output.</param>
    /// <param name="nodeId">The node id.</param>
    /// <param name="classType">The node's class type, or null when unknown.</param>
    /// <param name="output">The UI output.</param>
    /// <returns>The output (without websocket images: their bytes are not stored).</returns>
    public static JobOutput Restore(ComfyApi api, string nodeId, string? classType, NodeOutput output)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        ArgumentNullException.ThrowIfNull(output);
        return new JobOutput(api, nodeId, classType, output, websocketImages: null);
    }

    /// <summary>The node id.</summary>
    public string NodeId { get; }

    /// <summary>The node's <c>class_type</c>, or null when the workflow does not have the id (an expansion node).</summary>
    public string? ClassType { get; }

    /// <summary>Image files (<c>images</c>).</summary>
    public IReadOnlyList<JobFile> Images { get; }

    /// <summary>Animated images and videos (<c>gifs</c>, <c>video</c>, <c>videos</c>).</summary>
    public IReadOnlyList<JobFile> Videos { get; }

    /// <summary>Audio files (<c>audio</c>).</summary>
    public IReadOnlyList<JobFile> Audio { get; }

    /// <summary>Text items (<c>text</c>).</summary>
    public IReadOnlyList<string> Text => Output.Text;

    /// <summary>Images the node sent as binary websocket frames (<c>SaveImageWebsocket</c>), in the order received.</summary>
    public IReadOnlyList<JobImage> WebsocketImages { get; }

    /// <summary>The typed and raw UI output as the server sent it (<see cref="NodeOutput.Raw"/> keeps unknown kinds).</summary>
    public NodeOutput Output { get; }

    private static NodeOutput Empty { get; } = NodeOutput.FromJson(System.Text.Json.JsonDocument.Parse("{}").RootElement);

    /// <summary>Returns the node id and what it holds.</summary>
    public override string ToString() =>
        $"{NodeId} ({ClassType}): {Images.Count} images, {Videos.Count} videos, {Audio.Count} audio, {Text.Count} text, {WebsocketImages.Count} websocket images";

    private static IReadOnlyList<JobFile> Wrap(ComfyApi api, IReadOnlyList<ComfyFileReference> files) =>
        files.Count == 0 ? NoFiles : [.. files.Select(f => new JobFile(api, f))];
}
