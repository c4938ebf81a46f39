using ComfyUI.Reactive.Emulator.Files;

namespace ComfyUI.Reactive.Emulator.Nodes;

/// <summary>
/// The combos a real server lists from its <c>input/</c> folder each time it builds <c>object_info</c> (0.3.64's
/// <c>INPUT_TYPES</c> of the loaders), so they follow uploads and files a test writes there.
/// </summary>
internal static class InputFolders
{
    private static readonly string[] AudioVideo = [".wav", ".mp3", ".flac", ".ogg", ".opus", ".m4a", ".aac", ".oga", ".weba", ".mp4", ".webm", ".mov", ".mkv", ".avi", ".m4v", ".mpeg", ".mpg", ".ogv"];
    private static readonly string[] Video = [".mp4", ".webm", ".mov", ".mkv", ".avi", ".m4v", ".mpeg", ".mpg", ".ogv"];
    private static readonly string[] Models3D = [".gltf", ".glb", ".obj", ".fbx", ".stl"];

    /// <summary>The lister of an input, or null when its list is fixed.</summary>
    public static Func<FileStore, IReadOnlyList<string>>? For(string classType, string input) => (classType, input) switch
    {
        ("LoadImage" or "LoadImageMask", "image") => Top,
        ("LoadLatent", "latent") => files => Filter(Top(files), [".latent"]),
        ("LoadAudio", "audio") => files => Filter(Top(files), AudioVideo),
        ("LoadVideo", "file") => files => Filter(Top(files), Video),
        ("Load3D" or "Load3DAnimation", "model_file") => ThreeD,
        ("LoadImageSetFromFolderNode" or "LoadImageTextSetFromFolderNode", "folder") => Subfolders,
        _ => null,
    };

    private static IReadOnlyList<string> Top(FileStore files) => files.ListInputFiles();

    private static List<string> Filter(IEnumerable<string> names, string[] extensions) =>
        names.Where(n => extensions.Contains(Path.GetExtension(n).ToLowerInvariant())).ToList();

    /// <summary><c>input/3d/**</c> with a 3D extension, relative to <c>input/</c> with forward slashes, sorted.</summary>
    private static List<string> ThreeD(FileStore files)
    {
        var input = files.DirectoryOf("input")!;
        var folder = Path.Combine(input, "3d");
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var names = Filter(Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories), Models3D)
            .Select(p => Path.GetRelativePath(input, p).Replace('\\', '/'))
            .ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary><c>folder_paths.get_input_subfolders()</c>: every folder below <c>input/</c>, relative, sorted.</summary>
    private static List<string> Subfolders(FileStore files)
    {
        var input = files.DirectoryOf("input")!;
        var names = Directory.EnumerateDirectories(input, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(input, p).Replace('\\', '/'))
            .ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }
}
