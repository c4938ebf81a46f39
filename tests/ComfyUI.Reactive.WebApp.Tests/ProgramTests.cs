using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ComfyUI.Reactive.WebApp.Tests;

/// <summary>The sample as a user runs it: its own process, no COMFYUI_URLS, so on two embedded emulators.</summary>
public sealed partial class ProgramTests
{
    [Fact]
    public async Task Program_NoComfyUiUrls_ServesTheDashboardAndRendersOnEmbeddedEmulators()
    {
        using var process = Start(null, "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning");
        var errors = process.StandardError.ReadToEndAsync();   // drained, so a full pipe never blocks the app
        try
        {
            var address = await ReadDashboardAddressAsync(process);
            _ = process.StandardOutput.ReadToEndAsync();
            using var http = new HttpClient { BaseAddress = address, Timeout = TestApp.Limit };

            var page = await http.GetStringAsync("/");
            Assert.Contains("/dashboard/events", await http.GetStringAsync("/dashboard.js"), StringComparison.Ordinal);
            Assert.Contains("<title>ComfyUI.Reactive dashboard</title>", page, StringComparison.Ordinal);
            using var post = await http.PostAsJsonAsync("/render", new { prompt = "from a process", width = 128, height = 128 });
            Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
            var id = (await post.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
            var events = await Sse.ReadToEndAsync(http, $"/render/{id}/events");
            Assert.Equal("completed", events[^1].Name);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            await errors;
        }
    }

    [Fact]
    public async Task Program_ComfyUiUrlsNotHttp_ExitsTwoNamingTheValue()
    {
        using var process = Start("http://ok:8188,ftp://nope");
        using var limit = new CancellationTokenSource(TestApp.Limit);

        var error = await process.StandardError.ReadToEndAsync(limit.Token);
        await process.WaitForExitAsync(limit.Token);

        Assert.Equal(2, process.ExitCode);
        Assert.Contains("'ftp://nope' is not an http(s) URL", error, StringComparison.Ordinal);
    }

    private static Process Start(string? comfyUiUrls, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Directory.CreateTempSubdirectory("webapp-").FullName,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ComfyUI.Reactive.WebApp.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Remove("COMFYUI_URLS");
        if (comfyUiUrls is not null)
        {
            info.Environment["COMFYUI_URLS"] = comfyUiUrls;
        }

        return Process.Start(info)!;
    }

    private static async Task<Uri> ReadDashboardAddressAsync(Process process)
    {
        using var limit = new CancellationTokenSource(TestApp.Limit);
        while (await process.StandardOutput.ReadLineAsync(limit.Token) is { } line)
        {
            if (DashboardLine().Match(line) is { Success: true } match)
            {
                return new Uri(match.Groups["url"].Value);
            }
        }

        throw new InvalidOperationException("The app ended its output without printing its address.");
    }

    [GeneratedRegex(@"^Dashboard: (?<url>http://\S+) ")]
    private static partial Regex DashboardLine();
}
