using Microsoft.Extensions.Hosting;

namespace ComfyUI.Reactive.Emulator.Server;

/// <summary>
/// A host lifetime that leaves SIGTERM, SIGINT and Ctrl+C alone. The web host's default console lifetime takes those
/// signals for itself (cancels the process exit and only stops Kestrel), so a standalone emulator never exited and an
/// in-process one stole the test runner's Ctrl+C. The owner of the process decides instead (<c>StandaloneProgram</c>).
/// </summary>
internal sealed class NoSignalLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
