using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ComfyUI.Reactive.DependencyInjection;

/// <summary>Resolves named clients from the container, so the container owns (and disposes) every instance.</summary>
internal sealed class ComfyClientFactory(IServiceProvider services, ComfyClientRegistry registry) : IComfyClientFactory
{
    public IReadOnlyCollection<string> Names => registry.Names;

    public ComfyClient GetClient(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!registry.Contains(name))
        {
            var known = registry.Names.Count == 0 ? "none" : string.Join(", ", registry.Names.Select(n => $"'{n}'"));
            throw new InvalidOperationException(
                $"No ComfyUI client named '{name}' is registered (registered: {known}). Register it with services.AddComfyUI(\"{name}\", options => ...).");
        }

        return name == Options.DefaultName
            ? services.GetRequiredService<ComfyClient>()
            : services.GetRequiredKeyedService<ComfyClient>(name);
    }
}
