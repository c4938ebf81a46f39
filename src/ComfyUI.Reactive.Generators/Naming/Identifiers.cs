using System.Collections.Generic;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace ComfyUI.Reactive.Generators.Naming;

/// <summary>
/// Turns ComfyUI names (class types with spaces, input names with dots, type names in capitals, combo values that are
/// file names) into C# identifiers. Names are split into words at every character that cannot be in an identifier;
/// an all-capitals word reads as a word (<c>CLIP_VISION</c> → <c>ClipVision</c>), a mixed-case one keeps its case
/// (<c>CLIPTextEncode</c> stays). A leading digit gets an underscore, a keyword an <c>@</c>.
/// </summary>
internal static class Identifiers
{
    /// <summary>PascalCase, e.g. for classes, properties, constants.</summary>
    public static string Pascal(string raw)
    {
        var builder = new StringBuilder();
        foreach (var word in Words(raw))
        {
            builder.Append(char.ToUpperInvariant(word[0]));
            builder.Append(IsAllCaps(word) ? word.Substring(1).ToLowerInvariant() : word.Substring(1));
        }

        return Finish(builder.ToString());
    }

    /// <summary>camelCase, for parameters: <c>ckpt_name</c> → <c>ckptName</c>, <c>CLIP</c> → <c>clip</c>.</summary>
    public static string Camel(string raw)
    {
        var builder = new StringBuilder();
        foreach (var word in Words(raw))
        {
            if (builder.Length == 0)
            {
                builder.Append(IsAllCaps(word) ? word.ToLowerInvariant() : char.ToLowerInvariant(word[0]) + word.Substring(1));
            }
            else
            {
                builder.Append(char.ToUpperInvariant(word[0]));
                builder.Append(IsAllCaps(word) ? word.Substring(1).ToLowerInvariant() : word.Substring(1));
            }
        }

        return Finish(builder.ToString());
    }

    /// <summary>Escapes a reserved keyword with <c>@</c> (for use in code; uniqueness is checked on the bare name).</summary>
    public static string Escape(string identifier) =>
        SyntaxFacts.GetKeywordKind(identifier) != SyntaxKind.None ? "@" + identifier : identifier;

    private static string Finish(string name)
    {
        if (name.Length == 0)
        {
            return "_";
        }

        return char.IsDigit(name[0]) ? "_" + name : name;
    }

    private static bool IsAllCaps(string word)
    {
        var anyLetter = false;
        foreach (var c in word)
        {
            if (char.IsLower(c))
            {
                return false;
            }

            anyLetter |= char.IsLetter(c);
        }

        return anyLetter && word.Length > 1;
    }

    private static List<string> Words(string raw)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        foreach (var c in raw)
        {
            // Letters and digits of any script are fine in C#; everything else separates words.
            if (char.IsLetterOrDigit(c) && c < 0x2000)
            {
                current.Append(c);
            }
            else if (current.Length > 0)
            {
                words.Add(current.ToString());
                current.Clear();
            }
        }

        if (current.Length > 0)
        {
            words.Add(current.ToString());
        }

        return words;
    }
}
