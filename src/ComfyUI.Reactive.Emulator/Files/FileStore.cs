using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace ComfyUI.Reactive.Emulator.Files;

/// <summary>
/// The server's <c>input/</c>, <c>output/</c> and <c>temp/</c> folders on disk, with ComfyUI's naming rules:
/// <c>prefix_00001_.png</c> counters, <c>ComfyUI_temp_xxxxx_</c> previews, upload dedupe and <c>name (1).ext</c> renames.
/// </summary>
internal sealed class FileStore
{
    private readonly object gate = new();
    private readonly Dictionary<string, int> counters = new(StringComparer.Ordinal);
    private int inputVersion;

    public FileStore(string root)
    {
        Root = Path.GetFullPath(root);
        foreach (var type in Types)
        {
            Directory.CreateDirectory(Path.Combine(Root, type));
        }
    }

    public static readonly string[] Types = ["input", "output", "temp"];

    public string Root { get; }

    /// <summary>Changes whenever the input folder changes, so the cached <c>object_info</c> knows when LoadImage's list is stale.</summary>
    public int InputVersion => Volatile.Read(ref inputVersion);

    public string? DirectoryOf(string type) => type is "input" or "output" or "temp" ? Path.Combine(Root, type) : null;

    /// <summary>Joins a folder and a relative path, refusing anything that escapes the folder.</summary>
    public static string? SafeJoin(string baseDirectory, string relative)
    {
        var full = Path.GetFullPath(Path.Combine(baseDirectory, relative));
        var root = Path.GetFullPath(baseDirectory);
        return full == root || full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? full : null;
    }

    /// <summary>Top-level files of <c>input/</c>, sorted, as LoadImage's combo lists them.</summary>
    public IReadOnlyList<string> ListInputFiles()
    {
        var names = Directory.EnumerateFiles(Path.Combine(Root, "input")).Select(Path.GetFileName).OfType<string>().ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>Resolves a LoadImage-style name (<c>sub/name.png</c>, optionally with a <c> [output]</c> annotation) to a path.</summary>
    public string? ResolveAnnotated(string name)
    {
        var type = "input";
        foreach (var t in Types)
        {
            var suffix = " [" + t + "]";
            if (name.EndsWith(suffix, StringComparison.Ordinal))
            {
                type = t;
                name = name[..^suffix.Length];
                break;
            }
        }

        return SafeJoin(DirectoryOf(type)!, name);
    }

    public static string RandomPreviewPrefix()
    {
        Span<char> letters = stackalloc char[5];
        for (var i = 0; i < letters.Length; i++)
        {
            letters[i] = (char)('a' + RandomNumberGenerator.GetInt32(26));
        }

        return "ComfyUI_temp_" + new string(letters);
    }

    /// <summary>Writes a batch of PNGs the way SaveImage names them; returns (filename, subfolder) per image.</summary>
    public IReadOnlyList<(string FileName, string Subfolder)> SaveImages(string type, string prefix, IReadOnlyList<byte[]> pngs) =>
        SaveFiles(type, prefix, pngs, "png");

    /// <summary>
    /// Writes files named like every ComfyUI saver (<c>folder_paths.get_save_image_path</c>): <c>prefix_00001_.ext</c>,
    /// the counter continuing from what the folder holds, subfolders from the prefix; returns (filename, subfolder) each.
    /// </summary>
    public IReadOnlyList<(string FileName, string Subfolder)> SaveFiles(string type, string prefix, IReadOnlyList<byte[]> contents, string extension)
    {
        var baseDir = DirectoryOf(type)!;
        var normalized = prefix.Replace('\\', '/');
        var slash = normalized.LastIndexOf('/');
        var subfolder = slash < 0 ? string.Empty : normalized[..slash];
        var fileName = slash < 0 ? normalized : normalized[(slash + 1)..];
        var folder = SafeJoin(baseDir, subfolder)
            ?? throw new Nodes.NodeExecutionException("Exception", "**** ERROR: Saving image outside the output folder is not allowed.");
        Directory.CreateDirectory(folder);
        var result = new List<(string, string)>(contents.Count);
        lock (gate)
        {
            var key = folder + "\n" + fileName;
            if (!counters.TryGetValue(key, out var counter))
            {
                counter = ScanCounter(folder, fileName);
            }

            for (var i = 0; i < contents.Count; i++)
            {
                var file = string.Create(CultureInfo.InvariantCulture, $"{fileName.Replace("%batch_num%", i.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)}_{counter:00000}_.{extension}");
                File.WriteAllBytes(Path.Combine(folder, file), contents[i]);
                result.Add((file, subfolder));
                counter++;
            }

            counters[key] = counter;
        }

        if (type == "input")
        {
            Interlocked.Increment(ref inputVersion);
        }

        return result;
    }

    private static int ScanCounter(string folder, string fileName)
    {
        var pattern = new Regex("^" + Regex.Escape(fileName) + "_(\\d+)_", RegexOptions.CultureInvariant);
        var max = 0;
        foreach (var path in Directory.EnumerateFiles(folder))
        {
            var m = pattern.Match(Path.GetFileName(path));
            if (m.Success && int.TryParse(m.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            {
                max = Math.Max(max, n);
            }
        }

        return max + 1;
    }

    /// <summary>
    /// Stores an upload: with <paramref name="overwrite"/> the name is kept; otherwise identical bytes reuse an existing
    /// name and different bytes get <c>name (1).ext</c>, <c>name (2).ext</c>… Returns the final name.
    /// </summary>
    public string Upload(string folder, string fileName, byte[] content, bool overwrite)
    {
        lock (gate)
        {
            Directory.CreateDirectory(folder);
            var path = Path.Combine(folder, fileName);
            var duplicate = false;
            if (!overwrite)
            {
                var stem = Path.GetFileNameWithoutExtension(fileName);
                var ext = Path.GetExtension(fileName);
                var i = 1;
                while (File.Exists(path))
                {
                    if (SHA256.HashData(File.ReadAllBytes(path)).AsSpan().SequenceEqual(SHA256.HashData(content)))
                    {
                        duplicate = true;
                        break;
                    }

                    fileName = string.Create(CultureInfo.InvariantCulture, $"{stem} ({i}){ext}");
                    path = Path.Combine(folder, fileName);
                    i++;
                }
            }

            if (!duplicate)
            {
                File.WriteAllBytes(path, content);
                Interlocked.Increment(ref inputVersion);
            }

            return fileName;
        }
    }

    /// <summary>Empties the temp folder (ComfyUI does so at start and stop).</summary>
    public void ClearTemp()
    {
        var temp = Path.Combine(Root, "temp");
        try
        {
            Directory.Delete(temp, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }

        Directory.CreateDirectory(temp);
        lock (gate)
        {
            counters.Clear();
        }
    }
}
