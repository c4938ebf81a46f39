using System.Reactive.Disposables;
using System.Reactive.Subjects;

namespace ComfyUI.Reactive.Pooling;

/// <summary>The scheduler's records of servers, items and attempts (all guarded by its lock).</summary>
internal sealed partial class PoolScheduler
{
    private sealed class Slot(ServerId id, int order, int capacity)
    {
        public ServerId Id { get; } = id;

        public int Order { get; } = order;

        public int Capacity { get; } = capacity;

        public ServerCapabilities? Capabilities { get; set; }

        public ServerHealth Health { get; set; } = ServerHealth.Unknown;

        public bool Removed { get; set; }

        public int InFlight { get; set; }

        public long LastAssignment { get; set; }

        public string? LastCheckpoint { get; set; }

        public HashSet<Attempt> Attempts { get; } = [];

        public Dictionary<string, CapabilityMatch> Matches { get; } = new(StringComparer.Ordinal);
    }

    private sealed class ItemState(PoolWorkItem item, DateTimeOffset readyAt)
    {
        public PoolWorkItem Item { get; set; } = item;

        /// <summary>The one outcome, replayed to whoever subscribes (before or after it is decided).</summary>
        public AsyncSubject<PoolItemOutcome> Completion { get; } = new();

        public Attempt? Current { get; set; }

        public ServerId? Server { get; set; }

        public DateTimeOffset ReadyAt { get; set; } = readyAt;

        public TimeSpan Wait { get; set; }

        public TimeSpan Run { get; set; }

        public Exception? LastError { get; set; }

        /// <summary>When a server that failed it may take it again.</summary>
        public DateTimeOffset RetryAt { get; set; }

        /// <summary>The server its last attempt waited on behind other work (<see cref="FailureClassifier.IsBusyWait"/>),
        /// passed over while another server can take it now; null after any other outcome.</summary>
        public ServerId? BusyOn { get; set; }
    }

    private sealed class Attempt(ItemState item, Slot server, PoolWorkItem snapshot, DateTimeOffset startedAt)
    {
        public ItemState Item { get; } = item;

        public Slot Server { get; } = server;

        public PoolWorkItem Snapshot { get; } = snapshot;

        public DateTimeOffset StartedAt { get; } = startedAt;

        public bool Ended { get; set; }

        public SingleAssignmentDisposable Subscription { get; } = new();
    }
}
