using System;
using System.Collections.Generic;
using System.Globalization;

namespace ComfyUI.Reactive.Generators.Naming;

/// <summary>
/// The names already taken in one C# scope (a class's members, a method's parameters, a namespace's types): a name
/// that is taken gets <c>_2</c>, <c>_3</c>, ... so two ComfyUI names that read the same in C# (<c>input_blocks.0</c>
/// and <c>input_blocks.0.</c>) both get a member. Names are compared ordinally, as C# does.
/// </summary>
internal sealed class NameScope
{
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);

    public NameScope(params string[] reserved)
    {
        foreach (var name in reserved)
        {
            _taken.Add(name);
        }
    }

    /// <summary>Takes <paramref name="name"/>, or the first free <c>name_N</c>.</summary>
    public string Take(string name)
    {
        if (_taken.Add(name))
        {
            return name;
        }

        for (var i = 2; ; i++)
        {
            var candidate = name + "_" + i.ToString(CultureInfo.InvariantCulture);
            if (_taken.Add(candidate))
            {
                return candidate;
            }
        }
    }

    public void Reserve(string name) => _taken.Add(name);
}
