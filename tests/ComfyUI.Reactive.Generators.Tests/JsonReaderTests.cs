using ComfyUI.Reactive.Generators.Json;
using ComfyUI.Reactive.Generators.Naming;

namespace ComfyUI.Reactive.Generators.Tests;

/// <summary>The generator's own JSON reader and identifier rules (it cannot use System.Text.Json, see JsonReader).</summary>
public sealed class JsonReaderTests
{
    [Fact]
    public void Parse_WhatObjectInfoHolds_KeepsOrderTextAndEscapes()
    {
        var value = JsonReader.Parse("\uFEFF{\"b\": [18446744073709551615, -1.5e3, NaN, -Infinity], \"a\": \"q\\\"\\u00e9\\n\", \"c\": {}, \"b\": true}");

        Assert.Equal(["b", "a", "c", "b"], value.Properties.Select(p => p.Key));
        Assert.Equal(JsonKind.True, value.Get("b")!.Kind);   // the last duplicate, as Python's json
        Assert.Equal("18446744073709551615", value.Properties[0].Value.Items[0].Text);
        Assert.Equal(["18446744073709551615", "-1.5e3", "NaN", "-Infinity"], value.Properties[0].Value.Items.Select(i => i.Text));
        Assert.Equal("q\"é\n", value.GetString("a"));
    }

    [Theory]
    [InlineData("{\"a\": 1,}")]
    [InlineData("{\"a\" 1}")]
    [InlineData("[1, 2")]
    [InlineData("\"open")]
    [InlineData("{} x")]
    [InlineData("01x")]
    public void Parse_NotJson_ThrowsFormatExceptionWithThePosition(string text)
    {
        var error = Assert.Throws<FormatException>(() => JsonReader.Parse(text));

        Assert.Contains("line 1, column", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CLIP_VISION_OUTPUT", "ClipVisionOutput")]
    [InlineData("CLIPTextEncode", "CLIPTextEncode")]
    [InlineData("Epsilon Scaling", "EpsilonScaling")]
    [InlineData("v1-5-pruned-emaonly.safetensors", "V15PrunedEmaonlySafetensors")]
    [InlineData("3d", "_3d")]
    [InlineData("", "_")]
    public void Pascal_ComfyNames_BecomeIdentifiers(string raw, string expected) => Assert.Equal(expected, Identifiers.Pascal(raw));

    [Theory]
    [InlineData("ckpt_name", "ckptName")]
    [InlineData("CLIP", "clip")]
    [InlineData("input_blocks.0.", "inputBlocks0")]
    [InlineData("class", "class")]
    public void Camel_InputNames_BecomeParameterNames(string raw, string expected) => Assert.Equal(expected, Identifiers.Camel(raw));

    [Fact]
    public void Escape_Keyword_GetsAnAt() => Assert.Equal("@class", Identifiers.Escape("class"));
}
