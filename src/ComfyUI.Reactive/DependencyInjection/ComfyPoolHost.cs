using System.Diagnostics.Metrics;
using ComfyUI.Reactive.Jobs.Progress;
using ComfyUI.Reactive.Pooling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ComfyUI.Reactive.DependencyInjection;

/// <summary>
/// The pool <c>AddComfyPool</c> registers and the clients of its servers: created on first resolve (at host start by
/// the hosted service), disposed with the container — the pool first, then the clients it does not own.
/// </summary>
internal sealed class ComfyPoolHost : IAsyncDisposable, IDisposable
{
    private readonly List<ComfyClient> _clients = [];

    public ComfyPoolHost(IOptions<ComfyPoolHostOptions> options, ILoggerFactory loggers, IMeterFactory? meters = null)
    {
        Options = options.Value;
        var poolLogger = loggers.CreateLogger("ComfyUI.Reactive.ComfyPool");
        Pool = new ComfyPool(Options.ToPoolOptions(poolLogger, meters));

        // One history for the pool's servers: a workflow learnt on one server weighs its nodes on every other.
        var progressHistory = new InMemoryProgressHistory();
        foreach (var server in Options.Servers)
        {
            var clientOptions = new ComfyClientOptions
            {
                BaseAddress = server.Url!,
                Logger = loggers.CreateLogger($"ComfyUI.Reactive.ComfyClient.{server.Name ?? server.Url!.Authority}"),
                MeterFactory = meters,
                ProgressHistory = progressHistory,
            };
            foreach (var credential in server.Credentials?.ToCredentials() ?? [])
            {
                clientOptions.Credentials.Add(credential);
            }

            var client = new ComfyClient(clientOptions);
            _clients.Add(client);
            Pool.AddServer(client, server.Name, server.Tags);
        }
    }

    public ComfyPoolHostOptions Options { get; }

    public ComfyPool Pool { get; }

    public IReadOnlyList<ComfyClient> Clients => _clients;

    public async ValueTask DisposeAsync()
    {
        await Pool.DisposeAsync().ConfigureAwait(false);
        foreach (var client in _clients)
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
    }

    public void Dispose() => Lifetime.DisposeBlocking(DisposeAsync);
}
