using System.Reactive.Disposables;
using ComfyUI.Reactive.Jobs;

namespace ComfyUI.Reactive.Pooling;

/// <summary>The decision loop: assigning waiting items to servers with room, and what each attempt outcome does to its item.</summary>
internal sealed partial class PoolScheduler
{
    /// <summary>Runs decisions until nothing more can be assigned. Re-entrant calls (an attempt reporting synchronously,
    /// a cooldown ending) ask the running loop to go round again instead of nesting.</summary>
    private void Pump()
    {
        lock (_lock)
        {
            if (_pumping)
            {
                _pumpAgain = true;
                return;
            }

            _pumping = true;
        }

        try
        {
            while (true)
            {
                List<Attempt> starts;
                lock (_lock)
                {
                    _pumpAgain = false;
                    starts = _disposed ? [] : DecideLocked();
                    if (starts.Count == 0 && !_pumpAgain)
                    {
                        _pumping = false;
                        break;
                    }
                }

                Flush();
                foreach (var attempt in starts)
                {
                    Start(attempt);
                }
            }
        }
        catch
        {
            lock (_lock)
            {
                _pumping = false;
            }

            throw;
        }

        Flush();
    }

    private List<Attempt> DecideLocked()
    {
        var starts = new List<Attempt>();
        var free = new List<Slot>(_servers.Count);
        foreach (var slot in _servers.Values)
        {
            if (InRotation(slot) && slot.InFlight < slot.Capacity)
            {
                free.Add(slot);
            }
        }

        var revisit = new List<Slot>();
        while (free.Count > 0)
        {
            free.Sort((a, b) => a.InFlight != b.InFlight ? a.InFlight.CompareTo(b.InFlight)
                : a.LastAssignment != b.LastAssignment ? a.LastAssignment.CompareTo(b.LastAssignment)
                : a.Order.CompareTo(b.Order));
            var asking = free[0];
            _passedOverBusy = false;
            var item = _queue.Reserve(new Filter(this, asking));
            if (item is null)
            {
                free.RemoveAt(0);
                if (_passedOverBusy)
                {
                    // It left an item for a server that could start it now; if that server takes something else
                    // instead, this one is asked again rather than idling beside the waiting item.
                    revisit.Add(asking);
                }

                continue;
            }

            if (revisit.Count > 0)
            {
                free.AddRange(revisit.Where(s => s.InFlight < s.Capacity));
                revisit.Clear();
            }

            if (!_items.TryGetValue(item.Id, out var state))
            {
                // Not ours (a shared queue holding another process's item would need an owner check here; the in-memory
                // queue only holds ours, and a cancelled item is removed from it first).
                _queue.Ack(item.Id);
                continue;
            }

            var tier = new List<ServerId>(free.Count);
            foreach (var slot in free)
            {
                if (slot.InFlight == asking.InFlight && (ReferenceEquals(slot, asking) || new Filter(this, slot).MayRun(item)))
                {
                    tier.Add(slot.Id);
                }
            }

            var target = _servers[CheckpointAffinity.Choose(item.Requirements, tier, s => _servers[s].LastCheckpoint)];
            var now = _clock.Now;
            var attempt = new Attempt(state, target, item, now);
            state.Item = item;
            state.Current = attempt;
            state.Server = target.Id;
            var wait = now - state.ReadyAt;
            state.Wait += wait;
            target.InFlight++;
            target.Attempts.Add(attempt);
            target.LastAssignment = ++_assignments;
            target.LastCheckpoint = CheckpointAffinity.LoadedAfter(item.Requirements) ?? target.LastCheckpoint;
            Metrics.AttemptStarted(target.Id, wait);
            Metrics.SetBusy(target.Id, true);
            Stage(target);
            if (target.InFlight >= target.Capacity)
            {
                free.Remove(target);
            }

            starts.Add(attempt);
        }

        return starts;
    }

    private void Start(Attempt attempt)
    {
        if (attempt.Ended)
        {
            return;
        }

        IObservable<AttemptOutcome> outcomes;
        try
        {
            outcomes = _startAttempt(attempt.Snapshot, attempt.Server.Id);
        }
#pragma warning disable CA1031 // A seam that throws has failed this attempt; the scheduler must live on.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            OnAttemptEnded(attempt, AttemptOutcome.Failure(ex));
            return;
        }

        attempt.Subscription.Disposable = outcomes.Subscribe(
            outcome => OnAttemptEnded(attempt, outcome ?? AttemptOutcome.Failure(new ComfyException("The attempt reported a null outcome."))),
            error => OnAttemptEnded(attempt, AttemptOutcome.Failure(error)),
            () => OnAttemptEnded(attempt, AttemptOutcome.Failure(new ComfyConnectionException(
                $"The attempt on '{attempt.Server.Id}' ended without a result."))));
    }

    private void OnAttemptEnded(Attempt attempt, AttemptOutcome outcome)
    {
        lock (_lock)
        {
            if (attempt.Ended || _disposed)
            {
                return;
            }

            var state = attempt.Item;
            var server = attempt.Server.Id;
            var hash = attempt.Snapshot.WorkflowHash;
            if (outcome.Succeeded)
            {
                EndAttemptLocked(attempt, "success");
                _queue.Ack(state.Item.Id);
                _cooldowns.RecordSuccess(server, hash);
                CompleteLocked(state, PoolItemStatus.Succeeded, null, outcome.Result);
            }
            else if (FailureClassifier.IsBusyWait(outcome.Error!))
            {
                EndAttemptLocked(attempt, "server_busy");
                ReleaseLocked(state, server, attempt.Snapshot.Attempts, outcome.Error!, outcome.PromptId);
            }
            else if (FailureClassifier.Classify(outcome.Error!, _options.IsWorkflowFault) == FailureKind.Workflow)
            {
                EndAttemptLocked(attempt, "workflow_fault");
                if (state.Item.RetryWorkflowFaults)
                {
                    // Retried like a server fault, but it says nothing about the server: no cooldown.
                    RequeueLocked(state, server, attempt.Snapshot.Attempts, outcome.Error!, outcome.PromptId);
                }
                else
                {
                    _queue.Ack(state.Item.Id);
                    NoticeFailureLocked(state, server, attempt.Snapshot.Attempts, outcome.Error!, willRetry: false, outcome.PromptId);
                    CompleteLocked(state, PoolItemStatus.Failed, outcome.Error);
                }
            }
            else
            {
                EndAttemptLocked(attempt, "server_fault");
                if (FailureClassifier.CountsTowardsCooldown(outcome.Error!))
                {
                    _cooldowns.RecordFailure(server, hash);
                }

                RequeueLocked(state, server, attempt.Snapshot.Attempts, outcome.Error!, outcome.PromptId);
            }
        }

        // Outside the lock: disposing may run the seam's cleanup (e.g. cancelling the prompt on the server).
        attempt.Subscription.Dispose();
        Pump();
    }

    private List<IDisposable> AbandonLocked(Slot slot, string reason)
    {
        var subscriptions = new List<IDisposable>();
        foreach (var attempt in slot.Attempts.ToList())
        {
            EndAttemptLocked(attempt, "aborted");
            RequeueLocked(attempt.Item, slot.Id, attempt.Snapshot.Attempts, new ComfyConnectionException(reason));
            subscriptions.Add(attempt.Subscription);
        }

        return subscriptions;
    }

    private void EndAttemptLocked(Attempt attempt, string metricOutcome)
    {
        attempt.Ended = true;
        var slot = attempt.Server;
        slot.Attempts.Remove(attempt);
        slot.InFlight--;
        var run = _clock.Now - attempt.StartedAt;
        attempt.Item.Run += run;
        if (ReferenceEquals(attempt.Item.Current, attempt))
        {
            attempt.Item.Current = null;
        }

        if (!slot.Removed)
        {
            Metrics.AttemptEnded(slot.Id, run, metricOutcome);
            Metrics.SetBusy(slot.Id, slot.InFlight > 0);
        }

        Stage(slot);
    }

    private void RequeueLocked(ItemState state, ServerId failedOn, int attemptNumber, Exception error, string? promptId = null)
    {
        state.LastError = error;
        switch (_queue.Nack(state.Item.Id, failedOn, out var item))
        {
            case NackResult.Requeued:
                state.Item = item!;
                state.ReadyAt = _clock.Now;
                state.BusyOn = null;
                if (_options.RetryDelay > TimeSpan.Zero)
                {
                    // Servers that failed it may take it again only after the delay (see Filter.MayTake): wake up then.
                    state.RetryAt = _clock.Now + _options.RetryDelay;
                    ArmRetryWakeLocked(state.RetryAt);
                }

                if (NoCapableServerLocked(item!.Requirements) is { } reasons)
                {
                    _queue.Remove(item.Id);
                    NoticeFailureLocked(state, failedOn, attemptNumber, error, willRetry: false, promptId);
                    CompleteLocked(state, PoolItemStatus.Failed, new ComfyNoCapableServerException(reasons));
                    break;
                }

                NoticeFailureLocked(state, failedOn, attemptNumber, error, willRetry: true, promptId);
                break;
            default:
                // Dead-lettered after its last attempt (or already gone): the caller sees the last failure.
                state.Item = item ?? state.Item;
                NoticeFailureLocked(state, failedOn, attemptNumber, error, willRetry: false, promptId);
                CompleteLocked(state, PoolItemStatus.Failed, error);
                break;
        }
    }

    /// <summary>Queues an item again after an attempt that only waited on a busy server: not counted, the server not
    /// avoided for good, only passed over while another server can take the item now.</summary>
    private void ReleaseLocked(ItemState state, ServerId busyOn, int attemptNumber, Exception error, string? promptId)
    {
        state.LastError = error;
        if (_queue.Release(state.Item.Id) is not { } item)
        {
            CompleteLocked(state, PoolItemStatus.Failed, error);
            return;
        }

        state.Item = item;
        state.ReadyAt = _clock.Now;
        state.BusyOn = busyOn;
        NoticeFailureLocked(state, busyOn, attemptNumber, error, willRetry: true, promptId);
    }

    private void NoticeFailureLocked(ItemState state, ServerId server, int attemptNumber, Exception error, bool willRetry, string? promptId)
    {
        var failure = new AttemptFailure(state.Item.Id, server, attemptNumber, error, willRetry, promptId);
        _notices.Add(() => _attemptFailures.OnNext(failure));
    }

    private void CompleteLocked(ItemState state, PoolItemStatus status, Exception? error, JobResult? result = null)
    {
        if (!_items.Remove(state.Item.Id))
        {
            return;
        }

        var outcome = new PoolItemOutcome(state.Item.Id, status, state.Server, state.Item.Attempts, error, state.Wait, state.Run, result);

        // Outside the lock, after the attempt failures staged before it.
        _notices.Add(() =>
        {
            state.Completion.OnNext(outcome);
            state.Completion.OnCompleted();
        });
    }

    /// <summary>Fails every waiting item no server can run any more (after a removal or a capability change).</summary>
    private void FailOrphansLocked()
    {
        foreach (var state in _items.Values.Where(s => s.Current is null).ToList())
        {
            if (NoCapableServerLocked(state.Item.Requirements) is { } reasons)
            {
                _queue.Remove(state.Item.Id);
                CompleteLocked(state, PoolItemStatus.Failed, new ComfyNoCapableServerException(reasons));
            }
        }
    }

    /// <summary>Null when some server can (or may, capabilities unknown) run the requirements; else each server's reason.</summary>
    private Dictionary<ServerId, string>? NoCapableServerLocked(WorkflowRequirements requirements)
    {
        var reasons = new Dictionary<ServerId, string>();
        foreach (var slot in _servers.Values)
        {
            if (slot.Capabilities is null)
            {
                return null;
            }

            var match = MatchLocked(slot, requirements);
            if (match.CanRun)
            {
                return null;
            }

            reasons[slot.Id] = match.Reason;
        }

        return reasons;
    }

    private static CapabilityMatch MatchLocked(Slot slot, WorkflowRequirements requirements)
    {
        if (slot.Capabilities is null)
        {
            return CapabilityMatch.Capable;
        }

        if (!slot.Matches.TryGetValue(requirements.Key, out var match))
        {
            slot.Matches[requirements.Key] = match = CapabilityMatcher.Match(requirements, slot.Capabilities);
        }

        return match;
    }
}
