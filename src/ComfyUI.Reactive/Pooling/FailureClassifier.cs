using System.Net;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Pooling;

/// <summary>
/// The default answer to "whose fault was this failed attempt" (<see cref="FailureKind"/>).
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term>Workflow's fault</term><description><see cref="ComfyPromptValidationException"/> (the server rejected the
/// prompt), <see cref="ComfyWorkflowException"/> (the SDK rejected it before sending), any other
/// <see cref="ComfyApiException"/> with a 4xx status except 401, 403, 408 and 429, and whatever
/// the <c>isWorkflowFault</c> function of <see cref="Classify(Exception, Func{Exception, bool})"/> recognises in addition (the job layer adds node execution errors there).</description></item>
/// <item><term>Server's fault</term><description><see cref="ComfyConnectionException"/>, <see cref="ComfyTimeoutException"/>,
/// <see cref="TimeoutException"/>, <see cref="HttpRequestException"/>, <see cref="ComfyApiException"/> with a 5xx status or
/// 401/403 (that server's credentials or proxy) or 408/429, and anything else not recognised: an unknown failure is
/// retried (within the attempt bound) rather than blamed on the workflow.</description></item>
/// </list>
/// Inner exceptions are not inspected: the SDK's exceptions already say what kind of failure they are.
/// </remarks>
internal static class FailureClassifier
{
    /// <summary>Classifies with the default rules.</summary>
    /// <param name="exception">The attempt's failure.</param>
    /// <returns>Whose fault it was.</returns>
    public static FailureKind Classify(Exception exception) => Classify(exception, null);

    /// <summary>Classifies with the default rules plus extra workflow-fault types.</summary>
    /// <param name="exception">The attempt's failure.</param>
    /// <param name="isWorkflowFault">Recognises further workflow faults (checked first), or null.</param>
    /// <returns>Whose fault it was.</returns>
    public static FailureKind Classify(Exception exception, Func<Exception, bool>? isWorkflowFault)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (isWorkflowFault?.Invoke(exception) == true)
        {
            return FailureKind.Workflow;
        }

        return exception switch
        {
            ComfyPromptValidationException => FailureKind.Workflow,
            ComfyWorkflowException => FailureKind.Workflow,
            ComfyAuthenticationException => FailureKind.Server,
            ComfyApiException api when IsClientError(api.StatusCode) => FailureKind.Workflow,
            _ => FailureKind.Server,
        };
    }

    /// <summary>
    /// Whether a server-fault failure says something about <b>this workflow</b> on that server, and so counts towards the
    /// (server, workflow hash) cooldown. Failures of the whole server do not: the server could not be reached or lost
    /// the prompt (<see cref="ComfyConnectionException"/>, <see cref="ComfyJobLostException"/>,
    /// <see cref="HttpRequestException"/>), or it answered that it is unavailable or overloaded (502, 503, 504, 408,
    /// 429). Health checks and failover handle those; counting them would bench a healthy server for every job of a
    /// pipeline (the hash is structural: a service rendering one pipeline has one hash) after a single 503 burst or
    /// restart — the fault soak found exactly that stall.
    /// </summary>
    /// <param name="exception">A failure classified as <see cref="FailureKind.Server"/>.</param>
    /// <returns>True when it counts towards the cooldown.</returns>
    public static bool CountsTowardsCooldown(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception switch
        {
            ComfyConnectionException or HttpRequestException => false,
            ComfyApiException api when api.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable
                or HttpStatusCode.GatewayTimeout or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests => false,
            _ => true,
        };
    }

    /// <summary>
    /// Whether a failed attempt only waited: its prompt did not start within the start timeout because the server was
    /// running another prompt (<see cref="ComfyTimeoutException.ServerBusy"/>), and was deleted from that server's queue.
    /// That is neither the server's fault nor the workflow's: the attempt is not counted, the server is not avoided for
    /// later attempts and no cooldown starts. A start timeout on a server that runs nothing (a paused or stuck queue) is
    /// a server fault.
    /// </summary>
    /// <param name="exception">The attempt's failure.</param>
    /// <returns>True when the attempt only waited on a busy server.</returns>
    public static bool IsBusyWait(Exception exception) =>
        exception is ComfyTimeoutException { Phase: "start", ServerBusy: true };

    private static bool IsClientError(HttpStatusCode status) =>
        (int)status is >= 400 and < 500 &&
        status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests);
}
