using ComfyUI.Reactive.Pooling;

namespace ComfyUI.Reactive.Tests.Pooling;

/// <summary>Builds work items and filters for the pool tests.</summary>
internal static class PoolTestItems
{
    public static WorkflowRequirements Requirements(params string[] classTypes) =>
        new() { ClassTypes = classTypes, Models = [] };

    public static PoolWorkItem Item(
        string id, int priority = 0, WorkflowRequirements? requirements = null, string hash = "h", int maxAttempts = 3) =>
        new()
        {
            Id = id,
            Priority = priority,
            MaxAttempts = maxAttempts,
            Requirements = requirements ?? Requirements("SaveImage"),
            WorkflowJson = "{}",
            WorkflowHash = hash,
        };

    /// <summary>A filter from lambdas; defaults allow everything with scarcity 1.</summary>
    public sealed class Filter : IReservationFilter
    {
        public Func<WorkflowRequirements, bool> CanRunFn { get; init; } = _ => true;

        public Func<string, bool> CoolingFn { get; init; } = _ => false;

        public Func<PoolWorkItem, bool> MayTakeFn { get; init; } = _ => true;

        public Func<WorkflowRequirements, int> ScarcityFn { get; init; } = _ => 1;

        public bool CanRun(WorkflowRequirements requirements) => CanRunFn(requirements);

        public bool IsCoolingDown(string workflowHash) => CoolingFn(workflowHash);

        public bool MayTake(PoolWorkItem item) => MayTakeFn(item);

        public int CapableServerCount(WorkflowRequirements requirements) => ScarcityFn(requirements);
    }
}
