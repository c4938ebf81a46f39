using ComfyUI.Reactive.Jobs;

namespace ComfyUI.Reactive.Tests.Jobs;

public sealed class JobFileTests
{
    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "comfy-jobfile-tests");

    [Theory]
    [InlineData("../../x", "x")]
    [InlineData("..\\..\\x", "x")]
    [InlineData("/etc/passwd", "passwd")]
    [InlineData("C:\\Windows\\evil.png", "evil.png")]
    [InlineData("sub/dir/ComfyUI_00001_.png", "ComfyUI_00001_.png")]
    [InlineData("ComfyUI_00001_.png", "ComfyUI_00001_.png")]
    public void ResolveLocalPath_ServerNameWithDirectories_StaysInsideTheFolder(string serverName, string expected)
    {
        var path = JobFile.ResolveLocalPath(Folder, serverName);

        Assert.Equal(Path.Combine(Path.GetFullPath(Folder), expected), path);
        Assert.StartsWith(Path.GetFullPath(Folder) + Path.DirectorySeparatorChar, path, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("../..")]
    [InlineData(".")]
    [InlineData("")]
    [InlineData("dir/")]
    [InlineData("a:b.png")]
    [InlineData("nul\0.png")]
    [InlineData("   ")]
    public void ResolveLocalPath_UnusableName_IsRefused(string serverName)
    {
        Assert.Throws<ComfyException>(() => JobFile.ResolveLocalPath(Folder, serverName));
    }
}
