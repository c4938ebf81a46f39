using ComfyUI.Reactive.Jobs;
using ComfyUI.Reactive.Tests.Rest;

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

/// <summary><see cref="JobFile.DownloadToFileAsync"/> and <see cref="JobFile.GetViewUri"/>.</summary>
public sealed class JobFileTargetsTests : IDisposable
{
    private const string Secret = "s3cr3t-token";
    private static readonly ComfyUI.Reactive.Models.ComfyFileReference Odd = new("Comfy UI_1&x.png", "a/b", "output");
    private readonly string _root = Directory.CreateTempSubdirectory("comfy-jobfile-targets-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static JobFile File(Action<ComfyClientOptions>? configure = null, FakeHttpHandler? handler = null)
    {
        var options = new ComfyClientOptions { BaseAddress = TestApi.Base, HttpMessageHandler = handler ?? FakeHttpHandler.Json("{}") };
        configure?.Invoke(options);
        return new JobFile(new ComfyApi(options), Odd);
    }

    [Fact]
    public void GetViewUri_Default_EscapesTheReferenceAndCarriesNoCredential()
    {
        var file = File(o =>
        {
            o.Credentials.Add(ComfyCredentials.QueryToken("token", Secret));
            o.Credentials.Add(ComfyCredentials.Bearer(Secret + "-bearer"));
        });

        var uri = file.GetViewUri();

        Assert.Equal("http://comfy.test:8188/api/view?filename=Comfy%20UI_1%26x.png&subfolder=a%2Fb&type=output", uri.AbsoluteUri);
        Assert.DoesNotContain(Secret, uri.AbsoluteUri, StringComparison.Ordinal);
    }

    [Fact]
    public void GetViewUri_IncludeCredentials_AddsOnlyTheQueryToken()
    {
        var file = File(o =>
        {
            o.Credentials.Add(ComfyCredentials.QueryToken("token", Secret));
            o.Credentials.Add(ComfyCredentials.Bearer("bearer-" + Secret));
        });

        var uri = file.GetViewUri(includeCredentials: true);

        Assert.EndsWith("&type=output&token=" + Secret, uri.AbsoluteUri, StringComparison.Ordinal);
        Assert.DoesNotContain("bearer-", uri.AbsoluteUri, StringComparison.Ordinal);
    }

    [Fact]
    public void GetViewUri_PathPrefixWithoutApiPrefix_KeepsThePrefix()
    {
        var file = File(o =>
        {
            o.BaseAddress = new Uri("https://host.test/comfy/");
            o.UseApiPrefix = false;
        });

        Assert.Equal("https://host.test/comfy/view?filename=Comfy%20UI_1%26x.png&subfolder=a%2Fb&type=output", file.GetViewUri().AbsoluteUri);
    }

    [Fact]
    public async Task DownloadToFileAsync_ChosenName_WritesExactlyThereCreatingFoldersAndRefusesToOverwriteByDefault()
    {
        var handler = new FakeHttpHandler(_ => new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new ByteArrayContent([1, 2, 3]) });
        var file = File(handler: handler);
        var target = Path.Combine(_root, "renders", "day 1", "lighthouse.png");

        var written = await file.DownloadToFileAsync(target);

        Assert.Equal(target, written);
        Assert.Equal([1, 2, 3], await System.IO.File.ReadAllBytesAsync(target));
        Assert.Equal("/api/view", Assert.Single(handler.Requests).Uri.AbsolutePath);
        await Assert.ThrowsAsync<IOException>(() => file.DownloadToFileAsync(target));
        Assert.Equal(target, await file.DownloadToFileAsync(target, overwrite: true));
    }

    [Fact]
    public async Task DownloadToFileAsync_PathNamesAFolder_ThrowsArgumentBeforeAnyRequest()
    {
        var handler = FakeHttpHandler.Json("{}");
        var file = File(handler: handler);

        await Assert.ThrowsAsync<ArgumentException>(() => file.DownloadToFileAsync(_root + Path.DirectorySeparatorChar));
        Assert.Empty(handler.Requests);
    }
}
