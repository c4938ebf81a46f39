using System.Collections.Concurrent;

namespace ComfyUI.Reactive.Emulator.Faults;

/// <summary>
/// Fault injection for tests. Every knob is thread-safe, takes effect immediately, survives
/// <see cref="ComfyEmulator.RestartAsync"/> and is undone by <see cref="Reset"/>.
/// </summary>
public sealed class EmulatorFaults
{
    private readonly object gate = new();
    private readonly ConcurrentDictionary<string, RouteFault> routeFaults = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, string> failingNodes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> hungNodes = new(StringComparer.Ordinal);
    private TaskCompletionSource hangRelease = NewSignal();
    private TaskCompletionSource queueResumed = NewSignal();
    private bool queuePaused;
    private DateTimeOffset? refuseSocketsUntil;
    private bool refuseSockets;
    private TimeSpan responseDelay;
    private EmulatorAuth? auth;
    private bool authOverridden;

    internal Action? DropSocketsHandler { get; set; }

    internal Action<byte[], bool, string?>? SendRawHandler { get; set; }

    internal Func<DateTimeOffset> Clock { get; set; } = () => DateTimeOffset.UtcNow;

    private sealed class RouteFault(int statusCode, int? remaining)
    {
        public int StatusCode { get; } = statusCode;
        public int? Remaining { get; set; } = remaining;
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Answers requests to <paramref name="path"/> (with or without the <c>/api</c> prefix, e.g. <c>/prompt</c>) with <paramref name="statusCode"/> and an empty body, for the next <paramref name="count"/> requests or until <see cref="ClearRouteFailures"/>.</summary>
    /// <param name="path">The route path without query, e.g. <c>/prompt</c> or <c>/history</c> (prefix match on segments).</param>
    /// <param name="statusCode">The status to answer with, e.g. 500 or 503.</param>
    /// <param name="count">How many requests fail; null = all until cleared.</param>
    public void FailRoute(string path, int statusCode = 500, int? count = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(statusCode, 400);
        routeFaults[Normalize(path)] = new RouteFault(statusCode, count);
    }

    /// <summary>Stops all route failures set with <see cref="FailRoute"/>.</summary>
    public void ClearRouteFailures() => routeFaults.Clear();

    /// <summary>Makes every real execution of <paramref name="classType"/> raise, giving <c>execution_error</c> with <c>exception_type</c> <c>RuntimeError</c>.</summary>
    /// <param name="classType">The node class, e.g. <c>ImageInvert</c>.</param>
    /// <param name="message">The exception message reported.</param>
    public void FailNode(string classType, string message = "Injected fault")
    {
        ArgumentException.ThrowIfNullOrEmpty(classType);
        failingNodes[classType] = message;
    }

    /// <summary>Makes every real execution of <paramref name="classType"/> hang (after its <c>executing</c> message) until <see cref="ReleaseHungNodes"/> or <see cref="Reset"/>. Like a real stuck node, it does not observe interrupts.</summary>
    /// <param name="classType">The node class.</param>
    public void HangNode(string classType)
    {
        ArgumentException.ThrowIfNullOrEmpty(classType);
        hungNodes[classType] = 0;
    }

    /// <summary>Lets hung nodes continue and stops hanging new ones.</summary>
    public void ReleaseHungNodes()
    {
        hungNodes.Clear();
        TaskCompletionSource old;
        lock (gate)
        {
            old = hangRelease;
            hangRelease = NewSignal();
        }

        old.TrySetResult();
    }

    /// <summary>Accepts prompts (200, <c>status</c> broadcast) but never starts them until <see cref="ResumeQueue"/>: a stuck server.</summary>
    public void PauseQueue()
    {
        lock (gate)
        {
            queuePaused = true;
        }
    }

    /// <summary>Lets the worker take prompts again.</summary>
    public void ResumeQueue()
    {
        TaskCompletionSource signal;
        lock (gate)
        {
            queuePaused = false;
            signal = queueResumed;
            queueResumed = NewSignal();
        }

        signal.TrySetResult();
    }

    /// <summary>Refuses websocket upgrades with HTTP 503, for <paramref name="duration"/> or until <see cref="AcceptWebSockets"/>.</summary>
    /// <param name="duration">How long; null = until cleared.</param>
    public void RefuseWebSockets(TimeSpan? duration = null)
    {
        lock (gate)
        {
            refuseSockets = duration is null;
            refuseSocketsUntil = duration is { } d ? Clock() + d : null;
        }
    }

    /// <summary>Accepts websocket upgrades again.</summary>
    public void AcceptWebSockets()
    {
        lock (gate)
        {
            refuseSockets = false;
            refuseSocketsUntil = null;
        }
    }

    /// <summary>Aborts every open websocket (clients see a dropped connection); new connections are accepted.</summary>
    public void DropAllSockets() => DropSocketsHandler?.Invoke();

    /// <summary>Sends a text frame that is not valid JSON (or any raw text) to one client or to all.</summary>
    /// <param name="clientId">The sid, or null for every socket.</param>
    /// <param name="text">The frame text; defaults to a truncated JSON object.</param>
    public void SendMalformedFrame(string? clientId = null, string text = "{\"type\": \"status\", \"data\": {")
    {
        ArgumentNullException.ThrowIfNull(text);
        SendRawHandler?.Invoke(System.Text.Encoding.UTF8.GetBytes(text), false, clientId);
    }

    /// <summary>Sends a raw binary frame (e.g. an unknown event type or a truncated preview) to one client or to all.</summary>
    /// <param name="data">The frame bytes.</param>
    /// <param name="clientId">The sid, or null for every socket.</param>
    public void SendBinaryFrame(byte[] data, string? clientId = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        SendRawHandler?.Invoke(data, true, clientId);
    }

    /// <summary>Delays every HTTP response (not websocket frames) by <paramref name="delay"/>; <see cref="TimeSpan.Zero"/> turns it off.</summary>
    /// <param name="delay">The added latency.</param>
    public void SlowResponses(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        lock (gate)
        {
            responseDelay = delay;
        }
    }

    /// <summary>Starts (or, with null, stops) demanding credentials on every HTTP request and websocket upgrade, overriding <see cref="ComfyEmulatorOptions.Auth"/>.</summary>
    /// <param name="requirement">The credentials required, or null for none.</param>
    public void RequireAuth(EmulatorAuth? requirement)
    {
        lock (gate)
        {
            auth = requirement;
            authOverridden = true;
        }
    }

    /// <summary>Clears every fault: routes, nodes (releasing hung ones), queue pause, socket refusal, latency and the auth override.</summary>
    public void Reset()
    {
        ClearRouteFailures();
        failingNodes.Clear();
        ReleaseHungNodes();
        ResumeQueue();
        AcceptWebSockets();
        SlowResponses(TimeSpan.Zero);
        lock (gate)
        {
            auth = null;
            authOverridden = false;
        }
    }

    internal EmulatorAuth? EffectiveAuth(EmulatorAuth? configured)
    {
        lock (gate)
        {
            return authOverridden ? auth : configured;
        }
    }

    internal TimeSpan ResponseDelay
    {
        get
        {
            lock (gate)
            {
                return responseDelay;
            }
        }
    }

    internal bool RefusingWebSockets
    {
        get
        {
            lock (gate)
            {
                return refuseSockets || (refuseSocketsUntil is { } until && Clock() < until);
            }
        }
    }

    internal int? TakeRouteFailure(string path)
    {
        if (routeFaults.IsEmpty)
        {
            return null;
        }

        var normalized = Normalize(path);
        foreach (var (key, fault) in routeFaults)
        {
            if (normalized == key || normalized.StartsWith(key + "/", StringComparison.OrdinalIgnoreCase))
            {
                lock (fault)
                {
                    if (fault.Remaining is { } r)
                    {
                        if (r <= 0)
                        {
                            continue;
                        }

                        fault.Remaining = r - 1;
                    }

                    return fault.StatusCode;
                }
            }
        }

        return null;
    }

    internal string? NodeFailure(string classType) => failingNodes.TryGetValue(classType, out var m) ? m : null;

    internal Task WaitIfHungAsync(string classType, CancellationToken ct)
    {
        if (!hungNodes.ContainsKey(classType))
        {
            return Task.CompletedTask;
        }

        Task release;
        lock (gate)
        {
            release = hangRelease.Task;
        }

        return release.WaitAsync(ct);
    }

    internal Task WaitWhilePausedAsync(CancellationToken ct)
    {
        lock (gate)
        {
            return queuePaused ? queueResumed.Task.WaitAsync(ct) : Task.CompletedTask;
        }
    }

    internal bool QueuePaused
    {
        get
        {
            lock (gate)
            {
                return queuePaused;
            }
        }
    }

    private static string Normalize(string path)
    {
        var p = path.Split('?')[0].TrimEnd('/');
        if (!p.StartsWith('/'))
        {
            p = "/" + p;
        }

        return p.StartsWith("/api/", StringComparison.OrdinalIgnoreCase) && !p.StartsWith("/api/jobs", StringComparison.OrdinalIgnoreCase) ? p[4..] : p;
    }
}
