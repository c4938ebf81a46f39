using System.Collections;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace ComfyUI.Reactive.Jobs;

/// <summary>
/// An immutable map from node id to a value, for the job's state (<see cref="JobState"/>): a sorted array, copied on
/// each change, read with a binary search.
/// </summary>
/// <remarks>Why not <c>ImmutableDictionary</c>: its code (trees, buckets, builders, enumerators) was about 90 of the
/// methods the runtime compiles and re-compiles in every process that runs jobs ("Whole-process cost" in
/// <c>docs/benchmarks.md</c>), while this class's code is precompiled with the SDK. Over a run (<c>NodeMapBenchmarks</c>)
/// it takes 0.5–0.6× the time of <c>ImmutableDictionary</c> up to 50 nodes, with less or the same allocation; a change
/// copies the arrays, so at 300 nodes it still takes 0.9× the time but allocates 3.5× as much (about 1 MB over the whole run of
/// such a graph, which takes minutes on a server). Keys are node ids, compared ordinally.</remarks>
/// <typeparam name="TValue">A reference type: every map of the state then shares one compiled copy of this code.</typeparam>
internal sealed class NodeMap<TValue> : IEnumerable<KeyValuePair<string, TValue>>
    where TValue : class?
{
    /// <summary>The map without nodes.</summary>
    public static readonly NodeMap<TValue> Empty = new([], []);

    private readonly string[] _keys;
    private readonly TValue[] _values;

    private NodeMap(string[] keys, TValue[] values)
    {
        _keys = keys;
        _values = values;
    }

    public int Count => _keys.Length;

    /// <summary>The value of <paramref name="node"/>.</summary>
    /// <exception cref="KeyNotFoundException">The map has no such node.</exception>
    public TValue this[string node] =>
        TryGetValue(node, out var value) ? value : throw new KeyNotFoundException($"No node '{node}' in the map.");

    public bool ContainsKey(string node) => IndexOf(node) >= 0;

    public bool TryGetValue(string node, out TValue value)
    {
        var index = IndexOf(node);
        if (index < 0)
        {
            value = default!;
            return false;
        }

        value = _values[index];
        return true;
    }

    /// <summary>Whether any value is null.</summary>
    public bool AnyNull()
    {
        foreach (var value in _values)
        {
            if (value is null)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>This map with <paramref name="node"/> set to <paramref name="value"/> (this map itself when it holds that
    /// very value already).</summary>
    public NodeMap<TValue> SetItem(string node, TValue value)
    {
        var index = IndexOf(node);
        if (index >= 0)
        {
            if (ReferenceEquals(_values[index], value))
            {
                return this;
            }

            var values = (TValue[])_values.Clone();
            values[index] = value;
            return new NodeMap<TValue>(_keys, values);
        }

        var at = ~index;
        var keys = new string[_keys.Length + 1];
        var grown = new TValue[_keys.Length + 1];
        Array.Copy(_keys, keys, at);
        Array.Copy(_values, grown, at);
        keys[at] = node;
        grown[at] = value;
        Array.Copy(_keys, at, keys, at + 1, _keys.Length - at);
        Array.Copy(_values, at, grown, at + 1, _values.Length - at);
        return new NodeMap<TValue>(keys, grown);
    }

    /// <summary>Enumerates the nodes in ordinal order of their ids, without allocating.</summary>
    public Enumerator GetEnumerator() => new(this);

    IEnumerator<KeyValuePair<string, TValue>> IEnumerable<KeyValuePair<string, TValue>>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The index of <paramref name="node"/>, or the complement of where it would go.</summary>
    private int IndexOf(string node)
    {
        int low = 0, high = _keys.Length - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) >> 1);
            var order = string.CompareOrdinal(_keys[middle], node);
            if (order == 0)
            {
                return middle;
            }

            if (order < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return ~low;
    }

    public struct Enumerator : IEnumerator<KeyValuePair<string, TValue>>
    {
        private readonly NodeMap<TValue> _map;
        private int _index;

        internal Enumerator(NodeMap<TValue> map)
        {
            _map = map;
            _index = -1;
        }

        public readonly KeyValuePair<string, TValue> Current => new(_map._keys[_index], _map._values[_index]);

        readonly object IEnumerator.Current => Current;

        public bool MoveNext() => ++_index < _map._keys.Length;

        public void Reset() => _index = -1;

        public readonly void Dispose()
        {
        }
    }

    /// <summary>Writes the map as a JSON object (node id → value) and reads it back, with the options' own metadata for
    /// the values (the job state round-trips through JSON).</summary>
    internal sealed class Converter : JsonConverter<NodeMap<TValue>>
    {
        public override NodeMap<TValue> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException($"A node map must be a JSON object, got {reader.TokenType}.");
            }

            var info = (JsonTypeInfo<TValue>)options.GetTypeInfo(typeof(TValue));
            var map = Empty;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var node = reader.GetString()!;
                reader.Read();
                map = map.SetItem(node, JsonSerializer.Deserialize(ref reader, info)!);
            }

            return map;
        }

        public override void Write(Utf8JsonWriter writer, NodeMap<TValue> value, JsonSerializerOptions options)
        {
            var info = (JsonTypeInfo<TValue>)options.GetTypeInfo(typeof(TValue));
            writer.WriteStartObject();
            foreach (var (node, item) in value)
            {
                writer.WritePropertyName(node);
                JsonSerializer.Serialize(writer, item, info);
            }

            writer.WriteEndObject();
        }
    }
}
