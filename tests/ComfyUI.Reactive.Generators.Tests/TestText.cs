using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace ComfyUI.Reactive.Generators.Tests;

/// <summary>An AdditionalFiles item held in memory.</summary>
internal sealed class TestText(string path, string text) : AdditionalText
{
    public override string Path { get; } = path;

    public override SourceText GetText(CancellationToken cancellationToken = default) => SourceText.From(text);
}
