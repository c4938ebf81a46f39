namespace ComfyUI.Reactive.Workflows;

/// <summary>
/// The JSON given to <see cref="Workflow.Parse(string)"/> is not an API-format workflow. <see cref="IsEditorFormat"/>
/// is true when it is the editor (UI) format, which the server cannot run: export it from ComfyUI with
/// "Export (API)" (new menu: Workflow → Export (API); old menu: "Save (API Format)" with dev mode enabled).
/// </summary>
public class ComfyWorkflowFormatException : ComfyWorkflowException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public ComfyWorkflowFormatException()
        : this("The JSON is not an API-format ComfyUI workflow.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">What is wrong with the JSON and what to do.</param>
    public ComfyWorkflowFormatException(string message)
        : this(message, null)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    /// <param name="message">What is wrong with the JSON and what to do.</param>
    /// <param name="innerException">The cause, e.g. the JSON reader's exception.</param>
    public ComfyWorkflowFormatException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception, saying whether the JSON is the editor format.</summary>
    /// <param name="message">What is wrong with the JSON and what to do.</param>
    /// <param name="isEditorFormat">True when the JSON is the editor (UI) format.</param>
    public ComfyWorkflowFormatException(string message, bool isEditorFormat)
        : base(message, null)
    {
        IsEditorFormat = isEditorFormat;
    }

    /// <summary>Creates the exception about one node of an editor-format workflow.</summary>
    /// <param name="message">What is wrong, naming the node.</param>
    /// <param name="isEditorFormat">True when the JSON is the editor (UI) format.</param>
    /// <param name="nodeId">The node at fault, or null.</param>
    protected ComfyWorkflowFormatException(string message, bool isEditorFormat, string? nodeId)
        : base(message, nodeId)
    {
        IsEditorFormat = isEditorFormat;
    }

    /// <summary>True when the JSON is the editor (UI) format (top-level <c>nodes</c> and <c>links</c> arrays).</summary>
    public bool IsEditorFormat { get; }
}
