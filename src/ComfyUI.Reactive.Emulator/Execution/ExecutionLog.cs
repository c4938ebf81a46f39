namespace ComfyUI.Reactive.Emulator.Execution;

/// <summary>
/// The worker's timeline: start and end of every execution, oldest first, kept across restarts (like the execution
/// counts) and capped like the history so a long-running emulator does not grow without bound.
/// </summary>
internal sealed class ExecutionLog(int capacity)
{
    private readonly Lock gate = new();
    private readonly Queue<EmulatorExecution> entries = new();

    public void Add(EmulatorExecution execution)
    {
        lock (gate)
        {
            entries.Enqueue(execution);
            while (entries.Count > capacity)
            {
                entries.Dequeue();
            }
        }
    }

    public IReadOnlyList<EmulatorExecution> Snapshot()
    {
        lock (gate)
        {
            return [.. entries];
        }
    }
}
