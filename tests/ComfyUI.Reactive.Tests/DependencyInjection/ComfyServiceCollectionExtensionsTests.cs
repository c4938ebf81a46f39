using System.Net;
using System.Net.Sockets;
using ComfyUI.Reactive.DependencyInjection;
using ComfyUI.Reactive.Tests.Transport;
using ComfyUI.Reactive.Tests.Rest;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ComfyUI.Reactive.Tests.DependencyInjection;

/// <summary>AddComfyUI: resolving, lifetimes, named and keyed clients, options validation, logging, the HTTP pipeline
/// from IHttpClientFactory, and disposal by the container.</summary>
public sealed class ComfyServiceCollectionExtensionsTests
{
    private const string QueueStatus = """{"exec_info": {"queue_remaining": 0}}""";
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task AddComfyUI_Default_ResolvesOneSingletonWithTheConfiguredOptions()
    {
        await using var provider = new ServiceCollection()
            .AddComfyUI(o =>
            {
                o.BaseAddress = new Uri("http://comfy.test:8188/");
                o.ClientId = "app-1";
            })
            .BuildServiceProvider();

        var client = provider.GetRequiredService<ComfyClient>();

        Assert.Same(client, provider.GetRequiredService<ComfyClient>());
        Assert.Same(client, provider.GetRequiredService<IComfyClientFactory>().GetClient(string.Empty));
        Assert.Equal(new Uri("http://comfy.test:8188/"), client.BaseAddress);
        Assert.Equal("app-1", client.ClientId);
    }

    [Fact]
    public async Task AddComfyUI_Named_KeyedClientsHaveTheirOwnAddressesAndInstances()
    {
        await using var provider = new ServiceCollection()
            .AddComfyUI("gpu-1", o => o.BaseAddress = new Uri("http://gpu-1:8188/"))
            .AddComfyUI("gpu-2", o => o.BaseAddress = new Uri("http://gpu-2:8189/"))
            .BuildServiceProvider();

        var first = provider.GetRequiredKeyedService<ComfyClient>("gpu-1");
        var second = provider.GetRequiredKeyedService<ComfyClient>("gpu-2");
        var factory = provider.GetRequiredService<IComfyClientFactory>();

        Assert.Equal(new Uri("http://gpu-1:8188/"), first.BaseAddress);
        Assert.Equal(new Uri("http://gpu-2:8189/"), second.BaseAddress);
        Assert.NotSame(first, second);
        Assert.NotEqual(first.ClientId, second.ClientId);
        Assert.Same(first, provider.GetRequiredKeyedService<ComfyClient>("gpu-1"));
        Assert.Same(first, factory.GetClient("gpu-1"));
        Assert.Same(second, factory.GetClient("gpu-2"));
        Assert.Equal(["gpu-1", "gpu-2"], factory.Names.Order());
        Assert.Null(provider.GetService<ComfyClient>());
    }

    [Fact]
    public async Task AddComfyUI_Named_InjectsThroughFromKeyedServices()
    {
        await using var provider = new ServiceCollection()
            .AddComfyUI("gpu-1", o => o.BaseAddress = new Uri("http://gpu-1:8188/"))
            .AddComfyUI("gpu-2", o => o.BaseAddress = new Uri("http://gpu-2:8188/"))
            .AddSingleton<RendersOnGpu2>()
            .BuildServiceProvider();

        var consumer = provider.GetRequiredService<RendersOnGpu2>();

        Assert.Same(provider.GetRequiredKeyedService<ComfyClient>("gpu-2"), consumer.Client);
    }

    [Fact]
    public async Task AddComfyUI_SameNameTwice_ComposesOptionsAndRegistersOneClient()
    {
        var services = new ServiceCollection()
            .AddComfyUI("gpu-1", o => o.BaseAddress = new Uri("http://gpu-1:8188/"))
            .AddComfyUI("gpu-1", o => o.ClientId = "second-call");
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredKeyedService<ComfyClient>("gpu-1");

        Assert.Single(services, d => d.ServiceType == typeof(ComfyClient) && Equals(d.ServiceKey, "gpu-1"));
        Assert.Equal(new Uri("http://gpu-1:8188/"), client.BaseAddress);
        Assert.Equal("second-call", client.ClientId);
    }

    [Fact]
    public async Task GetClient_UnknownName_ThrowsListingTheRegisteredNames()
    {
        await using var provider = new ServiceCollection()
            .AddComfyUI("gpu-1", o => { })
            .BuildServiceProvider();

        var error = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IComfyClientFactory>().GetClient("gpu-9"));

        Assert.Contains("'gpu-9'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'gpu-1'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddComfyUI_EmptyOrNullArguments_ThrowEagerly()
    {
        var services = new ServiceCollection();

        Assert.Throws<ArgumentException>(() => services.AddComfyUI(string.Empty, o => { }));
        Assert.Throws<ArgumentNullException>(() => services.AddComfyUI((string)null!, o => { }));
        Assert.Throws<ArgumentNullException>(() => services.AddComfyUI((Action<ComfyClientOptions>)null!));
        Assert.Throws<ArgumentNullException>(() => services.AddComfyUI("gpu-1", o => { }, null!));
        Assert.Empty(services);
    }

    [Fact]
    public async Task Resolve_InvalidOptions_ThrowsOptionsValidationExceptionNamingClientAndOption()
    {
        await using var provider = new ServiceCollection()
            .AddComfyUI("gpu-1", o => o.BaseAddress = new Uri("ftp://gpu-1/"))
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredKeyedService<ComfyClient>("gpu-1"));

        Assert.Contains("'gpu-1'", error.Message, StringComparison.Ordinal);
        Assert.Contains("BaseAddress", error.Message, StringComparison.Ordinal);
        Assert.Equal("gpu-1", error.OptionsName);
    }

    [Fact]
    public async Task StartupValidation_InvalidOptions_FailsBeforeAnyResolve()
    {
        await using var provider = new ServiceCollection()
            .AddComfyUI(o => o.RequestTimeout = TimeSpan.FromSeconds(-5))
            .BuildServiceProvider();

        // What the generic host runs at start (ValidateOnStart).
        var error = Assert.ThrowsAny<Exception>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("RequestTimeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_NoLoggerInOptions_LogsThroughTheContainerUnderTheClientsCategory()
    {
        var logs = new CapturingLoggerProvider();
        var closedPort = ClosedPort();
        await using var provider = new ServiceCollection()
            .AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace))
            .AddComfyUI(
                "gpu-1",
                o =>
                {
                    o.BaseAddress = new Uri($"http://127.0.0.1:{closedPort}/");
                    o.ReconnectInitialDelay = TimeSpan.FromHours(1);
                    o.ReconnectMaxDelay = TimeSpan.FromHours(1);
                },
                http => http.ConfigurePrimaryHttpMessageHandler(() => FakeHttpHandler.Json(QueueStatus)))
            .BuildServiceProvider();
        var client = provider.GetRequiredKeyedService<ComfyClient>("gpu-1");

        // The socket cannot connect (nothing listens); HTTP answers, so ConnectAsync reports a websocket-only failure.
        await Assert.ThrowsAsync<ComfyConnectionException>(() => client.ConnectAsync().WaitAsync(Bounded));
        var logged = await logs.WaitFor((category, text) =>
            category == "ComfyUI.Reactive.ComfyClient.gpu-1" && text.Contains("failed", StringComparison.Ordinal))
            .WaitAsync(Bounded);

        Assert.Contains($"127.0.0.1:{closedPort}", logged, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resolve_LoggerInOptions_KeepsItInsteadOfTheContainers()
    {
        var own = new ListLogger();
        var logs = new CapturingLoggerProvider();
        await using var provider = new ServiceCollection()
            .AddLogging(b => b.AddProvider(logs))
            .AddComfyUI(o => o.Logger = own)
            .BuildServiceProvider();

        var options = provider.GetRequiredService<IOptionsMonitor<ComfyClientOptions>>().Get(Options.DefaultName);
        _ = provider.GetRequiredService<ComfyClient>();

        Assert.Same(own, options.Logger);
    }

    [Fact]
    public async Task Api_HttpClientFactoryPipeline_CarriesTheClientsRequests()
    {
        var server = FakeHttpHandler.Json(QueueStatus);
        var seen = new List<Uri>();
        await using var provider = new ServiceCollection()
            .AddComfyUI(
                "gpu-1",
                o =>
                {
                    o.BaseAddress = new Uri("http://gpu-1:8188/");
                    o.Credentials.Add(ComfyCredentials.Header("X-API-Key", "k-123"));
                },
                http => http
                    .ConfigurePrimaryHttpMessageHandler(() => server)
                    .AddHttpMessageHandler(() => new RecordingHandler(seen)))
            .AddComfyUI("gpu-2", o => o.BaseAddress = new Uri("http://gpu-2:8188/"), http => http.ConfigurePrimaryHttpMessageHandler(
                () => new FakeHttpHandler(_ => throw new InvalidOperationException("gpu-2's pipeline must not carry gpu-1's requests"))))
            .BuildServiceProvider();

        var status = await provider.GetRequiredKeyedService<ComfyClient>("gpu-1").Api.GetQueueStatusAsync().WaitAsync(Bounded);

        Assert.Equal(0, status.QueueRemaining);
        var request = server.Single;
        Assert.Equal("http://gpu-1:8188/api/prompt", request.Uri.ToString());
        Assert.Equal(["k-123"], request.Headers.GetValues("X-API-Key"));
        Assert.Equal([request.Uri], seen);
    }

    [Fact]
    public async Task Api_HandlerInOptions_WinsOverTheHttpClientFactory()
    {
        var own = FakeHttpHandler.Json(QueueStatus);
        var factoryHandler = FakeHttpHandler.Json(QueueStatus);
        await using var provider = new ServiceCollection()
            .AddComfyUI(o => o.HttpMessageHandler = own, http => http.ConfigurePrimaryHttpMessageHandler(() => factoryHandler))
            .BuildServiceProvider();

        await provider.GetRequiredService<ComfyClient>().Api.GetQueueStatusAsync().WaitAsync(Bounded);

        Assert.Single(own.Requests);
        Assert.Empty(factoryHandler.Requests);
    }

    [Fact]
    public async Task Api_HttpClientFactoryLogs_NeverContainACredential()
    {
        var logs = new CapturingLoggerProvider();
        await using var provider = new ServiceCollection()
            .AddLogging(b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Trace))
            .AddComfyUI(
                o =>
                {
                    o.Credentials.Add(ComfyCredentials.Bearer("bearer-secret"));
                    o.Credentials.Add(ComfyCredentials.Header("X-API-Key", "header-secret"));
                    o.Credentials.Add(ComfyCredentials.QueryToken("token", "query-secret"));
                },
                http => http.ConfigurePrimaryHttpMessageHandler(() => FakeHttpHandler.Json(QueueStatus)))
            .BuildServiceProvider();

        await provider.GetRequiredService<ComfyClient>().Api.GetQueueStatusAsync().WaitAsync(Bounded);

        var httpLogs = logs.Entries.Where(e => e.Category.StartsWith("System.Net.Http.HttpClient.ComfyUI.Reactive", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(httpLogs); // the factory did log this request (headers included at trace level) ...
        Assert.Contains(httpLogs, e => e.Text.Contains("X-API-Key", StringComparison.Ordinal));
        Assert.DoesNotContain(logs.Entries, e => e.Text.Contains("secret", StringComparison.Ordinal)); // ... without a secret
    }

    [Fact]
    public async Task DisposeAsync_OfTheContainer_DisposesEveryClient()
    {
        var provider = new ServiceCollection()
            .AddComfyUI(o => { })
            .AddComfyUI("gpu-1", o => { })
            .BuildServiceProvider();
        var first = provider.GetRequiredService<ComfyClient>();
        var second = provider.GetRequiredKeyedService<ComfyClient>("gpu-1");

        await provider.DisposeAsync();

        Assert.Equal(ConnectionState.Closed, first.ConnectionState);
        Assert.Equal(ConnectionState.Closed, second.ConnectionState);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => first.ConnectAsync());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => second.ConnectAsync());
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private sealed class RendersOnGpu2([FromKeyedServices("gpu-2")] ComfyClient client)
    {
        public ComfyClient Client { get; } = client;
    }

    private sealed class RecordingHandler(List<Uri> seen) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (seen)
            {
                seen.Add(request.RequestUri!);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
