namespace ComfyUI.Reactive.Registry;

/// <summary>What happened to a job in a job stream (<see cref="JobEvent"/>).</summary>
public enum JobEventKind
{
    /// <summary>The job was enqueued.</summary>
    Queued,

    /// <summary>A server started running it (<see cref="JobEvent.Server"/>, <see cref="JobEvent.PromptId"/>).</summary>
    Started,

    /// <summary>Its progress moved (sampled: at most one per <see cref="JobRegistryOptions.SampleInterval"/> per job,
    /// the latest wins).</summary>
    Progress,

    /// <summary>It produced a preview image (sampled like progress).</summary>
    Preview,

    /// <summary>An attempt failed (<see cref="Jobs.JobAttemptFailed"/>); with a retry the job is queued again.</summary>
    AttemptFailed,

    /// <summary>It finished with a result.</summary>
    Completed,

    /// <summary>It finished with an error.</summary>
    Failed,

    /// <summary>It was cancelled.</summary>
    Cancelled,
}
