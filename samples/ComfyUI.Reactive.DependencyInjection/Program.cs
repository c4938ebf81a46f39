// A generic-host worker that gets its ComfyClient from dependency injection (AddComfyUI), runs a few jobs and stops.
//
//   dotnet run --project samples/ComfyUI.Reactive.DependencyInjection          embedded emulator
//   COMFYUI_URL=http://127.0.0.1:8188 dotnet run --project samples/ComfyUI.Reactive.DependencyInjection
using ComfyUI.Reactive.DependencyInjection;
using ComfyUI.Reactive.Emulator;
using ComfyUI.Reactive.Samples.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

await using var emulator = Environment.GetEnvironmentVariable("COMFYUI_URL") is { Length: > 0 }
    ? null
    : await ComfyEmulator.StartAsync();
var address = emulator?.BaseAddress ?? new Uri(Environment.GetEnvironmentVariable("COMFYUI_URL")!);

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddComfyUI(options =>
{
    options.BaseAddress = address;
    options.RequestTimeout = TimeSpan.FromSeconds(30);
});
builder.Services.AddHostedService<RenderWorker>();
builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);   // one line per request is too chatty here

using var host = builder.Build();
await host.RunAsync();
return RenderWorker.ExitCode;
