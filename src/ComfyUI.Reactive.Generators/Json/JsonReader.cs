using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace ComfyUI.Reactive.Generators.Json;

/// <summary>
/// A small strict JSON reader for object_info files. Why not System.Text.Json: a generator runs inside whichever
/// compiler builds the project (the .NET SDK's, Visual Studio's .NET Framework one), and a netstandard2.0 analyzer
/// that depends on the System.Text.Json package must ship and load its own copy next to the compiler's, which the
/// analyzer loader does not guarantee (RS1035-style failures show up only on some machines). Reading JSON is small
/// enough to own. Also accepts the NaN/Infinity tokens Python's json writes.
/// </summary>
internal sealed class JsonReader
{
    private readonly string _text;
    private int _at;

    private JsonReader(string text) => _text = text;

    /// <summary>Parses a whole document.</summary>
    /// <exception cref="FormatException">The text is not JSON; the message names the position.</exception>
    public static JsonValue Parse(string text)
    {
        var reader = new JsonReader(text);
        reader.SkipWhitespace();
        if (reader._at < text.Length && text[reader._at] == '\uFEFF')
        {
            reader._at++;
        }

        var value = reader.ReadValue(0);
        reader.SkipWhitespace();
        if (reader._at != text.Length)
        {
            throw reader.Error("unexpected text after the end of the document");
        }

        return value;
    }

    private JsonValue ReadValue(int depth)
    {
        if (depth > 512)
        {
            throw Error("nested too deeply");
        }

        SkipWhitespace();
        if (_at >= _text.Length)
        {
            throw Error("unexpected end of the document");
        }

        var c = _text[_at];
        switch (c)
        {
            case '{':
                return ReadObject(depth);
            case '[':
                return ReadArray(depth);
            case '"':
                return JsonValue.String(ReadString());
            case 't':
                Expect("true");
                return JsonValue.True;
            case 'f':
                Expect("false");
                return JsonValue.False;
            case 'n':
                Expect("null");
                return JsonValue.Null;
            case 'N':
                Expect("NaN");
                return JsonValue.Number("NaN");
            case 'I':
                Expect("Infinity");
                return JsonValue.Number("Infinity");
            default:
                if (c == '-' || (c >= '0' && c <= '9'))
                {
                    return ReadNumber();
                }

                throw Error($"unexpected character '{c}'");
        }
    }

    private JsonValue ReadObject(int depth)
    {
        _at++;
        var properties = new List<KeyValuePair<string, JsonValue>>();
        SkipWhitespace();
        if (Peek() == '}')
        {
            _at++;
            return JsonValue.Object(properties);
        }

        while (true)
        {
            SkipWhitespace();
            if (Peek() != '"')
            {
                throw Error("expected a property name");
            }

            var name = ReadString();
            SkipWhitespace();
            if (Peek() != ':')
            {
                throw Error("expected ':'");
            }

            _at++;
            properties.Add(new KeyValuePair<string, JsonValue>(name, ReadValue(depth + 1)));
            SkipWhitespace();
            var next = Peek();
            _at++;
            if (next == '}')
            {
                return JsonValue.Object(properties);
            }

            if (next != ',')
            {
                _at--;
                throw Error("expected ',' or '}'");
            }
        }
    }

    private JsonValue ReadArray(int depth)
    {
        _at++;
        var items = new List<JsonValue>();
        SkipWhitespace();
        if (Peek() == ']')
        {
            _at++;
            return JsonValue.Array(items);
        }

        while (true)
        {
            items.Add(ReadValue(depth + 1));
            SkipWhitespace();
            var next = Peek();
            _at++;
            if (next == ']')
            {
                return JsonValue.Array(items);
            }

            if (next != ',')
            {
                _at--;
                throw Error("expected ',' or ']'");
            }
        }
    }

    private string ReadString()
    {
        _at++;
        var builder = new StringBuilder();
        while (true)
        {
            if (_at >= _text.Length)
            {
                throw Error("unterminated string");
            }

            var c = _text[_at++];
            if (c == '"')
            {
                return builder.ToString();
            }

            if (c != '\\')
            {
                builder.Append(c);
                continue;
            }

            if (_at >= _text.Length)
            {
                throw Error("unterminated string");
            }

            var escape = _text[_at++];
            switch (escape)
            {
                case '"': builder.Append('"'); break;
                case '\\': builder.Append('\\'); break;
                case '/': builder.Append('/'); break;
                case 'b': builder.Append('\b'); break;
                case 'f': builder.Append('\f'); break;
                case 'n': builder.Append('\n'); break;
                case 'r': builder.Append('\r'); break;
                case 't': builder.Append('\t'); break;
                case 'u':
                    if (_at + 4 > _text.Length ||
                        !int.TryParse(_text.Substring(_at, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
                    {
                        throw Error("bad \\u escape");
                    }

                    builder.Append((char)code);
                    _at += 4;
                    break;
                default:
                    throw Error($"bad escape '\\{escape}'");
            }
        }
    }

    private JsonValue ReadNumber()
    {
        var start = _at;
        if (Peek() == '-')
        {
            _at++;
            if (Peek() == 'I')
            {
                Expect("Infinity");
                return JsonValue.Number("-Infinity");
            }
        }

        while (_at < _text.Length && "0123456789+-.eE".IndexOf(_text[_at]) >= 0)
        {
            _at++;
        }

        var text = _text.Substring(start, _at - start);
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            _at = start;
            throw Error($"bad number '{text}'");
        }

        return JsonValue.Number(text);
    }

    private void Expect(string word)
    {
        if (string.CompareOrdinal(_text, _at, word, 0, word.Length) != 0)
        {
            throw Error($"expected '{word}'");
        }

        _at += word.Length;
    }

    private char Peek() => _at < _text.Length ? _text[_at] : '\0';

    private void SkipWhitespace()
    {
        while (_at < _text.Length && (_text[_at] == ' ' || _text[_at] == '\t' || _text[_at] == '\n' || _text[_at] == '\r'))
        {
            _at++;
        }
    }

    private FormatException Error(string what)
    {
        var line = 1;
        var column = 1;
        for (var i = 0; i < _at && i < _text.Length; i++)
        {
            if (_text[i] == '\n')
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }
        }

        return new FormatException($"{what} at line {line}, column {column}");
    }
}
