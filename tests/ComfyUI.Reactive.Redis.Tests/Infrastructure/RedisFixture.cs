using StackExchange.Redis;

namespace ComfyUI.Reactive.Redis.Tests.Infrastructure;

/// <summary>One real redis-server per test class; tests keep apart by their own key prefix.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private RedisServer? _server;
    private ConnectionMultiplexer? _connection;

    public RedisServer Server => _server!;

    /// <summary>A connection for tests that use the Redis layer's parts directly.</summary>
    public IDatabase Database => _connection!.GetDatabase();

    public async Task InitializeAsync()
    {
        _server = await RedisServer.StartAsync();
        _connection = await ConnectionMultiplexer.ConnectAsync(_server.Options());
    }

    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..8];
}
