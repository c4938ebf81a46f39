namespace ComfyUI.Reactive.Pooling;

/// <summary>One model file a workflow needs: the file named by one input of one node.</summary>
/// <param name="NodeId">The node id.</param>
/// <param name="ClassType">The node's class type, e.g. <c>CheckpointLoaderSimple</c>.</param>
/// <param name="Input">The input name, e.g. <c>ckpt_name</c>.</param>
/// <param name="File">The file name as written in the workflow, e.g. <c>sd15/v1-5.safetensors</c>.</param>
public sealed record ModelRequirement(string NodeId, string ClassType, string Input, string File)
{
    /// <summary>"ckpt_name = 'x.safetensors' (node 4, CheckpointLoaderSimple)", for failure reasons.</summary>
    public override string ToString() => $"{Input} = '{File}' (node {NodeId}, {ClassType})";
}
