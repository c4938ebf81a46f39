namespace ComfyUI.Reactive.Workflows;

/// <summary>Switches for <see cref="Workflow.Validate"/>; the defaults check everything the catalog can tell.</summary>
public sealed record WorkflowValidationOptions
{
    /// <summary>The defaults.</summary>
    public static WorkflowValidationOptions Default { get; } = new();

    /// <summary>
    /// Check upload inputs (combos marked <c>image_upload</c>/<c>audio_upload</c>/<c>video_upload</c>, e.g. LoadImage's
    /// <c>image</c>) against their option list, which is the server's input folder at <c>/object_info</c> time; a missing
    /// file is <c>custom_validation_failed</c> as LoadImage reports it. Values with a subfolder (<c>sub/x.png</c>) or an
    /// <c>[output]</c>/<c>[temp]</c> annotation are not in that list and always pass. Default true; turn it off when
    /// files are uploaded after the catalog was read (or add them with <see cref="NodeSchemaCatalog.WithComboOptions"/>).
    /// </summary>
    public bool CheckInputFiles { get; init; } = true;

    /// <summary>
    /// Check V3 <c>COMBO</c> inputs (list in <c>options.options</c>) like legacy list combos. Servers check them since
    /// 2025-12-30; the recorded 0.3.64 did not. Default true: a value outside the list fails in the node anyway.
    /// </summary>
    public bool CheckV3Combos { get; init; } = true;
}
