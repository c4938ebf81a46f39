using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Xml.Linq;

namespace ComfyUI.Reactive.IntegrationTests.Packaging;

/// <summary>
/// docs/packaging.md: what each package carries (icon, project and repository URLs, tags, readme), and that the emulator
/// ships both as a library and as a runnable .NET tool. Packs the already-built projects (<c>--no-build</c>).
/// </summary>
[Collection(HeavyProcesses.Name)]
public sealed class PackagingTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    [Theory]
    [InlineData("ComfyUI.Reactive", "Dependency", true)]
    [InlineData("ComfyUI.Reactive.Emulator", "Dependency", false)]
    [InlineData("ComfyUI.Reactive.Emulator.Tool", "DotnetTool", false)]
    [InlineData("ComfyUI.Reactive.Redis", "Dependency", true)]
    public async Task Pack_EachPackage_HasIconUrlsTagsAndReadme(string project, string packageType, bool readyToRun)
    {
        var output = Directory.CreateTempSubdirectory("comfyui-pack-").FullName;
        try
        {
            var nupkg = await PackAsync(project, output);
            using var zip = ZipFile.OpenRead(nupkg);
            var nuspec = XDocument.Load(zip.GetEntry(project + ".nuspec")!.Open());
            var metadata = nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            string? Value(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;

            Assert.Equal("package-icon.png", Value("icon"));
            Assert.NotNull(zip.GetEntry("package-icon.png"));
            Assert.StartsWith("https://", Value("projectUrl"), StringComparison.Ordinal);
            var repository = metadata.Elements().Single(e => e.Name.LocalName == "repository");
            Assert.Equal("git", repository.Attribute("type")?.Value);
            Assert.Equal(Value("projectUrl"), repository.Attribute("url")?.Value);
            Assert.Contains("comfyui", Value("tags")!.Split(' '));
            Assert.Equal("README.md", Value("readme"));
            Assert.NotNull(zip.GetEntry("README.md"));
            var types = metadata.Elements().SingleOrDefault(e => e.Name.LocalName == "packageTypes")?.Elements().Select(e => e.Attribute("name")!.Value).ToList() ?? ["Dependency"];
            Assert.Equal([packageType], types);
            if (packageType == "DotnetTool")
            {
                var settings = XDocument.Load(zip.Entries.Single(e => e.FullName.EndsWith("/DotnetToolSettings.xml", StringComparison.Ordinal)).Open());
                Assert.Equal("comfyui-emulator", settings.Descendants().Single(e => e.Name.LocalName == "Command").Attribute("Name")?.Value);
            }
            else
            {
                Assert.NotNull(zip.GetEntry($"lib/net10.0/{project}.dll"));
                AssertReadyToRunBesideIl(zip, project, readyToRun);
            }
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public async Task Pack_Generators_IsAnAnalyzerPackageWithItsReadme()
    {
        var output = Directory.CreateTempSubdirectory("comfyui-pack-").FullName;
        try
        {
            using var zip = ZipFile.OpenRead(await PackAsync("ComfyUI.Reactive.Generators", output));

            // Loaded by the compiler, never referenced by the app: the dll under analyzers/, nothing under lib/, and no
            // dependency on Roslyn leaking into the app's graph.
            Assert.NotNull(zip.GetEntry("analyzers/dotnet/cs/ComfyUI.Reactive.Generators.dll"));
            Assert.DoesNotContain(zip.Entries, e => e.FullName.StartsWith("lib/", StringComparison.Ordinal));
            Assert.NotNull(zip.GetEntry("README.md"));
            var nuspec = XDocument.Load(zip.GetEntry("ComfyUI.Reactive.Generators.nuspec")!.Open());
            Assert.DoesNotContain(nuspec.Descendants(), e => e.Name.LocalName == "dependency" && e.Attribute("id")?.Value.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) == true);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public async Task Tool_WithAPort_ServesTheComfyUiRoutesThere()
    {
        var port = FreePort();
        var dll = Path.Combine(SampleRoot(), "src", "ComfyUI.Reactive.Emulator.Tool", "bin", Configuration, "net10.0", "ComfyUI.Reactive.Emulator.Tool.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { dll, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--step-ms", "0" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        try
        {
            var first = await process.StandardOutput.ReadLineAsync().WaitAsync(Limit);
            Assert.StartsWith($"ComfyUI emulator listening on http://127.0.0.1:{port}/", first, StringComparison.Ordinal);
            using var http = new HttpClient();
            var stats = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/api/system_stats")).WaitAsync(Limit);
            Assert.Contains("comfyui_version", stats, StringComparison.Ordinal);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(Limit);
        }
    }

    /// <summary>The client and the Redis pool ship precompiled code for linux-x64 in runtimes/linux-x64 (picked only on
    /// such a machine; the runtime would refuse it elsewhere), compiled from the very IL in lib/ (same module id, so the
    /// one symbol file serves both); lib/ stays plain IL for every other platform.</summary>
    private static void AssertReadyToRunBesideIl(ZipArchive zip, string project, bool readyToRun)
    {
        var il = ReadModule(zip.GetEntry($"lib/net10.0/{project}.dll")!);
        Assert.False(il.ReadyToRun, $"lib/net10.0/{project}.dll must stay IL only: other platforms load it");
        var precompiled = zip.GetEntry($"runtimes/linux-x64/lib/net10.0/{project}.dll");
        if (!readyToRun)
        {
            Assert.Null(precompiled);
            return;
        }

        Assert.NotNull(precompiled);
        var native = ReadModule(precompiled);
        Assert.True(native.ReadyToRun, $"runtimes/linux-x64/lib/net10.0/{project}.dll has no ReadyToRun code");
        Assert.Equal(il.Mvid, native.Mvid);
        // A ReadyToRun image says its OS in the machine field: x64 XOR 0x7B79 is Linux (the runtime's own check).
        Assert.Equal((int)System.Reflection.PortableExecutable.Machine.Amd64 ^ 0x7B79, (int)native.Machine);

        static (bool ReadyToRun, Guid Mvid, System.Reflection.PortableExecutable.Machine Machine) ReadModule(ZipArchiveEntry entry)
        {
            using var copy = new MemoryStream();
            using (var stream = entry.Open())
            {
                stream.CopyTo(copy);
            }

            copy.Position = 0;
            using var pe = new System.Reflection.PortableExecutable.PEReader(copy);
            var metadata = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader(pe);
            return (pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0,
                metadata.GetGuid(metadata.GetModuleDefinition().Mvid),
                pe.PEHeaders.CoffHeader.Machine);
        }
    }

    private static string Configuration => new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;

    private static async Task<string> PackAsync(string project, string output)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "pack", Path.Combine(SampleRoot(), "src", project, project + ".csproj"), "-c", Configuration, "--no-build", "-o", output, "-nologo" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(Limit);
        Assert.True(process.ExitCode == 0, $"dotnet pack {project} failed:\n{await stdout}{await stderr}");
        return Assert.Single(Directory.GetFiles(output, project + ".*.nupkg").Where(f => !f.EndsWith(".snupkg", StringComparison.Ordinal)));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string SampleRoot() => Docs.DocsCodeBlocksTests.RepoRoot;
}
