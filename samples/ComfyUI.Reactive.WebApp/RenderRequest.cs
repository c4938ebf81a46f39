namespace ComfyUI.Reactive.Samples.WebApp;

/// <summary>The body of <c>POST /render</c>: <c>{"prompt": "...", "seed": 42, "width": 512, "height": 512}</c>.</summary>
/// <param name="Prompt">What to render. Required.</param>
/// <param name="Seed">The sampler's seed; null draws a fresh one.</param>
/// <param name="Width">The image width in pixels (64..2048, a multiple of 8); null: 512.</param>
/// <param name="Height">The image height in pixels (64..2048, a multiple of 8); null: 512.</param>
public sealed record RenderRequest(string? Prompt, long? Seed = null, int? Width = null, int? Height = null)
{
    /// <summary>The longest prompt accepted.</summary>
    public const int MaxPromptLength = 2000;

    /// <summary>What is wrong with the request, by field (the shape of a validation problem); empty when it is valid.</summary>
    /// <returns>The errors.</returns>
    public Dictionary<string, string[]> Problems()
    {
        var problems = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(Prompt))
        {
            problems["prompt"] = ["A prompt is required."];
        }
        else if (Prompt.Length > MaxPromptLength)
        {
            problems["prompt"] = [$"At most {MaxPromptLength} characters."];
        }

        if (Seed is < 0)
        {
            problems["seed"] = ["The seed must not be negative."];
        }

        foreach (var (name, value) in new[] { ("width", Width), ("height", Height) })
        {
            if (value is { } size && (size is < 64 or > 2048 || size % 8 != 0))
            {
                problems[name] = ["Between 64 and 2048, a multiple of 8."];
            }
        }

        return problems;
    }
}
