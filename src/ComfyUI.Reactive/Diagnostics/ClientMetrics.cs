using System.Diagnostics.Metrics;

namespace ComfyUI.Reactive.Diagnostics;

/// <summary>
/// A client's instruments on the meter <see cref="ComfyTelemetry.ClientMeterName"/>: <c>comfyui.client.reconnects</c>
/// (counter, tag <c>server</c>: each time the socket was lost and the client started reconnecting) and
/// <c>comfyui.client.connected</c> (up-down counter, tag <c>server</c>: 1 while the socket is open), plus the
/// <c>comfyui.jobs.*</c> instruments of its jobs enqueued by id.
/// </summary>
internal sealed class ClientMetrics : IDisposable
{
    private readonly bool _ownsMeter;
    private readonly Counter<long> _reconnects;
    private readonly UpDownCounter<long> _connected;
    private readonly KeyValuePair<string, object?> _server;
    private ConnectionState _last = ConnectionState.Disconnected;

    public ClientMetrics(IMeterFactory? factory, string server)
    {
        var version = typeof(ClientMetrics).Assembly.GetName().Version?.ToString();
        _ownsMeter = factory is null;
        Meter = factory?.Create(new MeterOptions(ComfyTelemetry.ClientMeterName) { Version = version })
            ?? new Meter(ComfyTelemetry.ClientMeterName, version);
        _server = new("server", server);
        _reconnects = Meter.CreateCounter<long>("comfyui.client.reconnects", "{reconnect}", "Times the socket was lost and the client began reconnecting.");
        _connected = Meter.CreateUpDownCounter<long>("comfyui.client.connected", "{connection}", "1 while the client's socket is open.");
    }

    public Meter Meter { get; }

    /// <summary>Counts a connection state change (called in order, from the socket's state stream).</summary>
    public void OnConnection(ConnectionState state)
    {
        if (state == _last)
        {
            return;
        }

        if (state == ConnectionState.Connected)
        {
            _connected.Add(1, _server);
        }
        else if (_last == ConnectionState.Connected)
        {
            _connected.Add(-1, _server);
            if (state == ConnectionState.Reconnecting)
            {
                _reconnects.Add(1, _server);
            }
        }

        _last = state;
    }

    public void Dispose()
    {
        if (_ownsMeter)
        {
            Meter.Dispose();
        }
    }
}
