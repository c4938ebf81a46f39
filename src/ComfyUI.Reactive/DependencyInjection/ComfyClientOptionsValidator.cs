using Microsoft.Extensions.Options;

namespace ComfyUI.Reactive.DependencyInjection;

/// <summary>Runs <see cref="ComfyClientOptions.Validate"/> when a client's options are built, so a bad setting fails with the
/// client's name (or at host start, with <c>ValidateOnStart</c>) instead of as a bare <see cref="ArgumentException"/> deep
/// inside a resolve.</summary>
internal sealed class ComfyClientOptionsValidator : IValidateOptions<ComfyClientOptions>
{
    public ValidateOptionsResult Validate(string? name, ComfyClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException ex)
        {
            var which = string.IsNullOrEmpty(name) ? "The ComfyUI client" : $"The ComfyUI client '{name}'";
            return ValidateOptionsResult.Fail($"{which} is misconfigured: {ex.Message}");
        }
    }
}
