using Microsoft.Extensions.Options;

namespace ComfyUI.Reactive.DependencyInjection;

/// <summary>Validates <see cref="ComfyPoolHostOptions"/> at host start; the messages name settings, never values.</summary>
internal sealed class ComfyPoolHostOptionsValidator : IValidateOptions<ComfyPoolHostOptions>
{
    public ValidateOptionsResult Validate(string? name, ComfyPoolHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems().Select(p => $"The ComfyUI pool is misconfigured: {p}.").ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
