using System.Collections.Generic;
using ComfyUI.Reactive.Generators.Json;

namespace ComfyUI.Reactive.Generators.Schema;

/// <summary>How an input is written in the API prompt, and so which C# parameter type it gets.</summary>
internal enum InputKind
{
    /// <summary>An INT widget: a <c>long</c>.</summary>
    Int,

    /// <summary>A FLOAT widget: a <c>double</c>.</summary>
    Float,

    /// <summary>A STRING widget.</summary>
    String,

    /// <summary>A BOOLEAN widget.</summary>
    Boolean,

    /// <summary>A combo (a list of allowed strings, legacy <c>[[...]]</c> or <c>COMBO</c> with <c>options</c>).</summary>
    Combo,

    /// <summary>A link of one ComfyUI type (including INT/FLOAT/... with <c>forceInput</c>).</summary>
    Link,

    /// <summary>A link of any type: <c>*</c>, or a comma-separated set of types.</summary>
    AnyLink,
}

/// <summary>One declared (required or optional) input.</summary>
internal sealed class InputSchema
{
    public InputSchema(string name, bool isRequired, InputKind kind, string typeName, IReadOnlyList<string> options, JsonValue settings)
    {
        Name = name;
        IsRequired = isRequired;
        Kind = kind;
        TypeName = typeName;
        Options = options;
        Settings = settings;
    }

    /// <summary>The input's name in the prompt JSON (any text: dots, spaces, keywords).</summary>
    public string Name { get; }

    public bool IsRequired { get; }

    public InputKind Kind { get; }

    /// <summary>The declared type: <c>INT</c>, <c>MODEL</c>, <c>IMAGE,MASK</c>, <c>*</c>, <c>COMBO</c>.</summary>
    public string TypeName { get; }

    /// <summary>A combo's allowed values; empty for other kinds.</summary>
    public IReadOnlyList<string> Options { get; }

    /// <summary>The input's options object (default, min, max, step, tooltip, ...); an empty object when absent.</summary>
    public JsonValue Settings { get; }

    public JsonValue? Default => Settings.Get("default");

    public string? Tooltip => Settings.GetString("tooltip");

    public bool IsLink => Kind is InputKind.Link or InputKind.AnyLink;
}
