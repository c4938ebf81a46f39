// A render service over a ComfyPool: POST /render, Server-Sent Events of each job, the picture, cancel, health, and a
// live dashboard at / fed by the pool's observables. See docs/services.md.
//
//   dotnet run --project samples/ComfyUI.Reactive.WebApp                      two embedded emulators, http://localhost:5000
//   COMFYUI_URLS=http://gpu1:8188,http://gpu2:8188 dotnet run --project samples/ComfyUI.Reactive.WebApp
//   ... -- --urls http://0.0.0.0:8080 --Render:Checkpoint=                   another address; the graph without models
//
// Exit code 2 when COMFYUI_URLS is not a list of http(s) URLs.
using ComfyUI.Reactive.Samples.WebApp;

var servers = new List<Uri>();
foreach (var url in (Environment.GetEnvironmentVariable("COMFYUI_URLS") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
{
    if (!Uri.TryCreate(url, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
    {
        await Console.Error.WriteLineAsync($"COMFYUI_URLS: '{url}' is not an http(s) URL.");
        return 2;
    }

    servers.Add(address);
}

await using var app = await WebAppHost.StartAsync(new WebAppOptions { Args = args, Servers = servers });
Console.WriteLine($"Dashboard: {app.BaseAddress} ({(servers.Count == 0 ? $"{app.Emulators.Count} embedded emulators" : $"{servers.Count} servers")}); Ctrl+C stops.");
await app.WaitForShutdownAsync();
return 0;
