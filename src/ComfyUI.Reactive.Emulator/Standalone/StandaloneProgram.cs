using System.Runtime.InteropServices;

namespace ComfyUI.Reactive.Emulator.Standalone;

/// <summary>
/// Standalone mode (<c>comfyui-emulator</c> as a dotnet tool, or <c>dotnet run --project src/ComfyUI.Reactive.Emulator</c>):
/// serves until SIGTERM, SIGINT or Ctrl+C, then stops like a killed ComfyUI (sockets drop, the running prompt is
/// abandoned) and exits with 0. Arguments: <see cref="StandaloneArguments.Usage"/>.
/// </summary>
/// <remarks>An explicit, internal entry point: with top-level statements the Web SDK would add a public
/// <c>Program</c> class to the package's API, which clashes with every consumer's own <c>Program</c>.</remarks>
internal static class StandaloneProgram
{
    public static async Task<int> Main(string[] args)
    {
        var options = StandaloneArguments.Parse(args, out var error);
        if (options is null)
        {
            (error is null ? Console.Out : Console.Error).WriteLine(error is null ? StandaloneArguments.Usage : error + "\n" + StandaloneArguments.Usage);
            return error is null ? 0 : 2;
        }

        // Registered before the server starts, so a signal that arrives during start-up is not lost; cancelling the
        // default action keeps the runtime from exiting before the server has been stopped and its temp folder removed.
        var stop = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.TrySetResult(context.Signal.ToString());
        }

        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var quit = PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnSignal);

        var emulator = await ComfyEmulator.StartAsync(options).ConfigureAwait(false);
        await using (emulator.ConfigureAwait(false))
        {
            Console.WriteLine($"ComfyUI emulator listening on {emulator.BaseAddress} (websocket {emulator.WebSocketAddress}); data in {emulator.DataDirectory}. Ctrl+C to stop.");
            var signal = await stop.Task.ConfigureAwait(false);
            Console.WriteLine($"{signal}: stopping.");
        }

        return 0;
    }
}
