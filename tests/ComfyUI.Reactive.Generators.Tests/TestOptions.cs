using System.Diagnostics.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ComfyUI.Reactive.Generators.Tests;

/// <summary>Item metadata of AdditionalFiles as the compiler shows it to generators (<c>build_metadata.AdditionalFiles.X</c>).</summary>
internal sealed class TestOptions(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> metadataByPath) : AnalyzerConfigOptionsProvider
{
    private static readonly AnalyzerConfigOptions None = new Options(new Dictionary<string, string>());

    public override AnalyzerConfigOptions GlobalOptions => None;

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => None;

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
        metadataByPath.TryGetValue(textFile.Path, out var metadata)
            ? new Options(metadata.ToDictionary(kv => "build_metadata.AdditionalFiles." + kv.Key, kv => kv.Value))
            : None;

    private sealed class Options(Dictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
    }
}
