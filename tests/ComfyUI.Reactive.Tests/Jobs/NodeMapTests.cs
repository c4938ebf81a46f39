using System.Text.Json;
using ComfyUI.Reactive.Jobs;

namespace ComfyUI.Reactive.Tests.Jobs;

public sealed class NodeMapTests
{
    [Fact]
    public void SetItem_LeavesTheMapItWasCalledOnUnchanged()
    {
        var one = NodeMap<string>.Empty.SetItem("1", "a");

        var two = one.SetItem("2", "b");
        var replaced = two.SetItem("1", "c");

        Assert.Equal(["1=a"], Pairs(one));
        Assert.Equal(["1=a", "2=b"], Pairs(two));
        Assert.Equal(["1=c", "2=b"], Pairs(replaced));
        Assert.Empty(NodeMap<string>.Empty);
    }

    [Fact]
    public void SetItem_TheValueItHoldsAlready_ReturnsTheSameMap()
    {
        var value = "a";
        var map = NodeMap<string>.Empty.SetItem("1", value);

        Assert.Same(map, map.SetItem("1", value));
    }

    [Fact]
    public void Lookups_AgreeWithADictionary_WhateverTheOrderOfInsertion()
    {
        var random = new Random(7);
        var expected = new Dictionary<string, string>(StringComparer.Ordinal);
        var map = NodeMap<string>.Empty;
        for (var i = 0; i < 500; i++)
        {
            var node = random.Next(300).ToString(System.Globalization.CultureInfo.InvariantCulture) + (i % 3 == 0 ? ":sub" : string.Empty);
            var value = $"v{i}";
            expected[node] = value;
            map = map.SetItem(node, value);
        }

        Assert.Equal(expected.Count, map.Count);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), map.Select(p => p.Key));
        foreach (var (node, value) in expected)
        {
            Assert.True(map.ContainsKey(node));
            Assert.Equal(value, map[node]);
        }

        Assert.False(map.TryGetValue("missing", out _));
        Assert.False(map.ContainsKey("missing"));
    }

    [Fact]
    public void Indexer_MissingNode_ThrowsKeyNotFound()
    {
        var error = Assert.Throws<KeyNotFoundException>(() => NodeMap<string>.Empty.SetItem("1", "a")["9"]);

        Assert.Contains("'9'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnyNull_SaysWhetherANodeHoldsNull()
    {
        var map = NodeMap<string?>.Empty.SetItem("1", "a");

        Assert.False(map.AnyNull());
        Assert.True(map.SetItem("2", null).AnyNull());
    }

    [Fact]
    public void Json_RoundTripsAsAnObject_NullValuesIncluded()
    {
        var map = NodeMap<Holder?>.Empty.SetItem("2", new Holder("b")).SetItem("1", null).SetItem("10", new Holder("c"));

        var json = JsonSerializer.Serialize(new Carrier(map));
        var back = JsonSerializer.Deserialize<Carrier>(json)!;

        Assert.Equal("""{"Map":{"1":null,"10":{"Name":"c"},"2":{"Name":"b"}}}""", json);
        Assert.Equal(map, back.Map);
    }

    [Fact]
    public void Json_NotAnObject_IsAJsonException()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<Carrier>("""{"Map":[1]}"""));
    }

    private static List<string> Pairs(NodeMap<string> map) => [.. map.Select(p => $"{p.Key}={p.Value}")];

    private sealed record Holder(string Name);

    private sealed record Carrier([property: System.Text.Json.Serialization.JsonConverter(typeof(NodeMap<Holder>.Converter))] NodeMap<Holder?> Map);
}
