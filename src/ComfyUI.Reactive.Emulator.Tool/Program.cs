using System.Reflection;

namespace ComfyUI.Reactive.Emulator.Tool;

/// <summary>
/// <c>comfyui-emulator</c>: the emulator's standalone mode, packaged as a .NET tool. The arguments and behaviour are the
/// emulator's own (docs/emulator.md, "Standalone"); this runs its entry point, so the two cannot drift apart.
/// </summary>
/// <remarks>Not top-level statements: the ASP.NET Core framework this inherits from the emulator would generate a public
/// <c>Program</c>. The emulator's entry point is internal for the same reason, so it is found as the assembly's entry point.</remarks>
internal static class ToolProgram
{
    public static async Task<int> Main(string[] args)
    {
        var entry = typeof(ComfyEmulator).Assembly.EntryPoint
            ?? throw new InvalidOperationException("ComfyUI.Reactive.Emulator has no entry point; it must be built as an executable.");
        return entry.Invoke(null, [args]) switch
        {
            Task<int> run => await run.ConfigureAwait(false),
            int code => code,
            _ => 0,
        };
    }
}
