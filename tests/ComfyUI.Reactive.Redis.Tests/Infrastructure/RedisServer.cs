using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace ComfyUI.Reactive.Redis.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> (Debian's package) as a child process on a free loopback port with its own temp directory,
/// append-only persistence on, RDB snapshots off. Ready when the server prints that it accepts connections (no polling).
/// <see cref="RestartAsync"/> stops it gracefully (SIGTERM: the AOF is flushed) and starts it again on the same port
/// and directory, which is what a Redis restart in production looks like with <c>appendonly yes</c>.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private Process? _process;

    private RedisServer(int port, string directory)
    {
        Port = port;
        Directory = directory;
    }

    public int Port { get; }

    public string Directory { get; }

    public string EndPoint => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "comfy-redis-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(directory);
        var server = new RedisServer(FreePort(), directory);
        await server.StartProcessAsync();
        return server;
    }

    /// <summary>Options for a client of this server (fast reconnects, short timeouts for tests).</summary>
    public ConfigurationOptions Options() => new()
    {
        EndPoints = { EndPoint },
        ConnectTimeout = 2000,
        SyncTimeout = 2000,
        AsyncTimeout = 2000,
        ConnectRetry = 1,
        ReconnectRetryPolicy = new LinearRetry(100),
        AbortOnConnectFail = false,
    };

    public async Task StopAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        if (!process.HasExited)
        {
            // SIGTERM: Redis flushes the append-only file and exits (what a service manager's restart does).
            using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync().WaitAsync(Bound);
            await process.WaitForExitAsync().WaitAsync(Bound);
        }

        process.Dispose();
    }

    /// <summary>Starts the server again after <see cref="StopAsync"/>, on the same port and directory.</summary>
    public Task StartAgainAsync() => StartProcessAsync();

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartProcessAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync().WaitAsync(Bound);
        }

        _process?.Dispose();
        _process = null;
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task StartProcessAsync()
    {
        var info = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", Directory, "--save", "", "--appendonly", "yes", "--appendfsync", "everysec" })
        {
            info.ArgumentList.Add(arg);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Text.StringBuilder();
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data.Contains("Ready to accept connections", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("redis-server exited: " + output));
        bool started;
        try
        {
            started = process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                "redis-server is not on PATH: install Debian's redis-server package (apt-get install redis-server; .ci/run does it when missing).", e);
        }

        if (!started)
        {
            throw new InvalidOperationException("redis-server did not start (is the redis-server package installed?)");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await ready.Task.WaitAsync(Bound);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
