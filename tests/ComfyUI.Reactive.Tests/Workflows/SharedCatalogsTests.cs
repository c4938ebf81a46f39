using System.Runtime.CompilerServices;
using System.Text;
using ComfyUI.Reactive.Tests.Rest;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Tests.Workflows;

public sealed class SharedCatalogsTests
{
    // Unique per test run, so tests never see each other's catalogs in the process-wide table.
    private static readonly string Run = Guid.NewGuid().ToString("N");

    [Fact]
    public async Task GetCatalogAsync_TwoServersAnsweringTheSame_ShareOneCatalog()
    {
        var json = ObjectInfo("Same");
        var first = TestApi.Over(FakeHttpHandler.Json(json));
        var second = TestApi.Over(FakeHttpHandler.Json(json));

        var a = await first.GetCatalogAsync(CancellationToken.None);
        var b = await second.GetCatalogAsync(CancellationToken.None);

        Assert.Same(a, b);
        Assert.True(a.Contains(UniqueName("Same")));
    }

    [Fact]
    public async Task GetCatalogAsync_AnswersThatDiffer_GetTheirOwnCatalogs()
    {
        var a = await TestApi.Over(FakeHttpHandler.Json(ObjectInfo("One"))).GetCatalogAsync(CancellationToken.None);
        var b = await TestApi.Over(FakeHttpHandler.Json(ObjectInfo("Other"))).GetCatalogAsync(CancellationToken.None);

        Assert.NotSame(a, b);
        Assert.False(b.Contains(UniqueName("One")));
        Assert.True(b.Contains(UniqueName("Other")));
    }

    [Fact]
    public async Task GetOrParse_ServersStartingTogether_ParseOnceAndShare()
    {
        var body = Encoding.UTF8.GetBytes(ObjectInfo("Together"));
        using var start = new Barrier(8);

        // Threads of their own: eight blocked pool threads would wait for the pool to grow.
        var catalogs = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait(TimeSpan.FromSeconds(10));
                return SharedCatalogs.GetOrParse(body);
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)));

        Assert.All(catalogs, c => Assert.Same(catalogs[0], c));
    }

    [Fact]
    public void GetOrParse_CatalogNoOneUses_IsCollectedAndForgotten()
    {
        var collected = ParseAndDrop("Dropped");
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(collected.IsAlive);

        // The next new answer prunes the entry of the collected one.
        var kept = SharedCatalogs.GetOrParse(Encoding.UTF8.GetBytes(ObjectInfo("Pruner")));
        var again = SharedCatalogs.GetOrParse(Encoding.UTF8.GetBytes(ObjectInfo("Dropped")));
        Assert.True(again.Contains(UniqueName("Dropped")));
        GC.KeepAlive(kept);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference ParseAndDrop(string tag) => new(SharedCatalogs.GetOrParse(Encoding.UTF8.GetBytes(ObjectInfo(tag))));

    private static string UniqueName(string tag) => $"{tag}_{Run}";

    private static string ObjectInfo(string tag) =>
        $$$"""{"{{{UniqueName(tag)}}}":{"input":{"required":{"text":["STRING",{}]}},"output":[],"output_node":true}}""";
}
