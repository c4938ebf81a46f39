namespace ComfyUI.Reactive.DependencyInjection;

/// <summary>
/// Hands out the clients registered with <see cref="ComfyServiceCollectionExtensions.AddComfyUI(Microsoft.Extensions.DependencyInjection.IServiceCollection, string, Action{ComfyClientOptions})"/>
/// by name, for code that picks a server at run time (a keyed service, <c>[FromKeyedServices("gpu-1")] ComfyClient</c>,
/// is the simpler choice when the name is known at compile time).
/// </summary>
/// <remarks>Each name has one client for the life of the container (a client owns a websocket): every call with the same
/// name returns the same instance, and the container disposes it. Thread-safe.</remarks>
public interface IComfyClientFactory
{
    /// <summary>The names of every registered client; the client registered without a name is <see cref="string.Empty"/>.</summary>
    IReadOnlyCollection<string> Names { get; }

    /// <summary>Returns the client registered under <paramref name="name"/>, creating it on first use.</summary>
    /// <param name="name">The name given to <c>AddComfyUI</c>; <see cref="string.Empty"/> for the client registered without a name.</param>
    /// <returns>The shared client of that name. Do not dispose it: the container does.</returns>
    /// <exception cref="InvalidOperationException">No client of that name is registered (the message lists the registered names).</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The client's options are invalid (the message names the client and the option).</exception>
    ComfyClient GetClient(string name);
}
