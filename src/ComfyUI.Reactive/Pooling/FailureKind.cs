namespace ComfyUI.Reactive.Pooling;

/// <summary>Whose fault a failed attempt was: it decides between retrying elsewhere and failing the job.</summary>
internal enum FailureKind
{
    /// <summary>The server's (or the path to it): retry on another server, count towards the (server, workflow) cooldown.</summary>
    Server = 0,

    /// <summary>The workflow's own: it would fail anywhere. Fail the job; no retry, no cooldown.</summary>
    Workflow = 1,
}
