namespace ComfyUI.Reactive.Emulator.Tool;

/// <summary>The <c>comfyui-emulator</c> command: the emulator's standalone mode, unchanged.</summary>
internal static class ToolProgram
{
    public static Task<int> Main(string[] args) => Standalone.StandaloneProgram.Main(args);
}
