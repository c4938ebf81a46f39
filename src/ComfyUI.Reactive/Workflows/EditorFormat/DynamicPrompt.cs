using System.Text;
using System.Text.RegularExpressions;

namespace ComfyUI.Reactive.Workflows.EditorFormat;

/// <summary>
/// The frontend's <c>processDynamicPrompt</c>, applied when it queues a text widget declared with <c>dynamicPrompts</c>:
/// C-style comments are removed and each <c>{a|b|c}</c> group (nested allowed, <c>\{</c> escapes) becomes one option
/// picked at random. Text without braces or comments comes back unchanged, so conversion is deterministic for it.
/// </summary>
internal static partial class DynamicPrompt
{
    public static string Process(string input, Random random)
    {
        var text = Comments().Replace(input, string.Empty);
        var i = 0;
        var result = new StringBuilder();
        while (i < text.Length)
        {
            var c = text[i++];
            if (c == '\\')
            {
                result.Append(Escape(text, ref i));
            }
            else if (c == '{')
            {
                result.Append(Choice(text, ref i, random));
            }
            else
            {
                result.Append(c);
            }
        }

        return Unescape().Replace(result.ToString(), "$1");
    }

    private static string Escape(string text, ref int i)
    {
        // JS reads input[i++] past the end as undefined and appends "\undefined"; keep the backslash alone instead.
        return i < text.Length ? "\\" + text[i++] : "\\";
    }

    private static string Choice(string text, ref int i, Random random)
    {
        var options = new List<string>();
        var choice = new StringBuilder();
        var depth = 0;
        while (i < text.Length)
        {
            var c = text[i++];
            if (c == '\\')
            {
                choice.Append(Escape(text, ref i));
                continue;
            }

            if (c == '{')
            {
                depth++;
            }
            else if (c == '}')
            {
                if (depth == 0)
                {
                    break;
                }

                depth--;
            }
            else if (c == '|' && depth == 0)
            {
                options.Add(choice.ToString());
                choice.Clear();
                continue;
            }

            choice.Append(c);
        }

        options.Add(choice.ToString());
        return Process(options[random.Next(options.Count)], random);
    }

    [GeneratedRegex(@"/\*[\s\S]*?\*/|//.*")]
    private static partial Regex Comments();

    [GeneratedRegex(@"\\([{}|])")]
    private static partial Regex Unescape();
}
