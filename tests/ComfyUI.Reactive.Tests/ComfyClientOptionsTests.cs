using System.Net.Http;

namespace ComfyUI.Reactive.Tests;

public sealed class ComfyClientOptionsTests
{
    [Fact]
    public void Validate_Defaults_Passes()
    {
        new ComfyClientOptions().Validate();
    }

    [Theory]
    [InlineData("ws://127.0.0.1:8188")]
    [InlineData("ftp://127.0.0.1")]
    public void Validate_NonHttpBaseAddress_Throws(string address)
    {
        var options = new ComfyClientOptions { BaseAddress = new Uri(address) };
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("BaseAddress", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MaxDelayBelowInitialDelay_Throws()
    {
        var options = new ComfyClientOptions
        {
            ReconnectInitialDelay = TimeSpan.FromSeconds(5),
            ReconnectMaxDelay = TimeSpan.FromSeconds(1),
        };
        Assert.Throws<ArgumentException>(options.Validate);
    }

    [Fact]
    public void Validate_EmptyClientId_Throws()
    {
        Assert.Throws<ArgumentException>(new ComfyClientOptions { ClientId = string.Empty }.Validate);
    }
}
