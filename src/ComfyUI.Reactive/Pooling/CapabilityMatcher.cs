using System.Text.Json;
using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Pooling;

/// <summary>
/// Decides whether a server can run a workflow: every class type in its <c>object_info</c>, every model file listed, every
/// required tag carried. Pure; the scheduler caches results by (server, <see cref="WorkflowRequirements.Key"/>).
/// </summary>
/// <remarks>
/// A model file counts as present when the loader input's combo list on that server contains it, or when the folder the
/// input reads from (<see cref="ServerCapabilities.FolderOf"/>) was fetched and lists it. It counts as missing when the
/// server gave an authoritative list (a legacy combo array, a <c>COMBO</c> with <c>options</c>, or a fetched folder) and the
/// file is in none of them. When the server says nothing either way (a remote combo filled by the UI, a custom string
/// input) the file is assumed present: better one failed attempt than a job no server will ever take.
/// </remarks>
internal static class CapabilityMatcher
{
    /// <summary>Matches requirements against one server.</summary>
    /// <param name="requirements">The workflow's requirements.</param>
    /// <param name="capabilities">The server's capabilities.</param>
    /// <returns>The match; <see cref="CapabilityMatch.Capable"/> when nothing is missing.</returns>
    public static CapabilityMatch Match(WorkflowRequirements requirements, ServerCapabilities capabilities)
    {
        ArgumentNullException.ThrowIfNull(requirements);
        ArgumentNullException.ThrowIfNull(capabilities);
        var catalog = capabilities.Catalog;
        List<string>? missingClasses = null;
        foreach (var classType in requirements.ClassTypes)
        {
            if (!catalog.Contains(classType))
            {
                (missingClasses ??= []).Add(classType);
            }
        }

        List<ModelRequirement>? missingModels = null;
        foreach (var model in requirements.Models)
        {
            // A model of a missing class is already reported by its class.
            if (catalog.TryGetNode(model.ClassType, out var node) && !HasModel(model, node, capabilities))
            {
                (missingModels ??= []).Add(model);
            }
        }

        List<string>? missingTags = null;
        foreach (var tag in requirements.Tags)
        {
            if (!capabilities.Tags.Contains(tag))
            {
                (missingTags ??= []).Add(tag);
            }
        }

        return missingClasses is null && missingModels is null && missingTags is null
            ? CapabilityMatch.Capable
            : new CapabilityMatch
            {
                MissingClassTypes = missingClasses ?? [],
                MissingModels = missingModels ?? [],
                MissingTags = missingTags ?? [],
            };
    }

    private static bool HasModel(ModelRequirement model, NodeInfo node, ServerCapabilities capabilities)
    {
        var file = ServerCapabilities.NormalizePath(model.File);
        var known = false;
        if (node.Input.Find(model.Input) is { } spec && AuthoritativeOptions(spec) is { } options)
        {
            known = true;
            if (options.Any(o => string.Equals(ServerCapabilities.NormalizePath(o), file, StringComparison.Ordinal)))
            {
                return true;
            }
        }

        if (ServerCapabilities.FolderOf(model.Input) is { } folder && capabilities.ModelsByFolder.TryGetValue(folder, out var files))
        {
            known = true;
            if (files.Contains(file))
            {
                return true;
            }
        }

        return !known;
    }

    /// <summary>The combo list when the server stated one (even empty), or null when it left the list to the UI.</summary>
    private static IReadOnlyList<string>? AuthoritativeOptions(InputSpec spec)
    {
        if (!spec.IsCombo || spec.Raw.ValueKind != JsonValueKind.Array || spec.Raw.GetArrayLength() == 0)
        {
            return null;
        }

        var head = spec.Raw[0];
        var stated = head.ValueKind == JsonValueKind.Array ||
                     (spec.Options is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty("options", out var list) &&
                      list.ValueKind == JsonValueKind.Array);
        return stated ? spec.ComboOptions : null;
    }
}
