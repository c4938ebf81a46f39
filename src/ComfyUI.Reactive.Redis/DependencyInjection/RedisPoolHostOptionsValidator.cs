using Microsoft.Extensions.Options;

namespace ComfyUI.Reactive.Redis.DependencyInjection;

/// <summary>Validates <see cref="RedisPoolHostOptions"/> at host start; the messages name settings, never values.</summary>
internal sealed class RedisPoolHostOptionsValidator : IValidateOptions<RedisPoolHostOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisPoolHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems().Select(p => $"The ComfyUI Redis pool is misconfigured: {p}.").ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
