using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace ComfyUI.Reactive.Workflows.Images;

/// <summary>
/// Reads the key/value text ComfyUI embeds in its outputs: PNG <c>tEXt</c>, <c>iTXt</c> and <c>zTXt</c> chunks (SaveImage
/// writes <c>prompt</c> and <c>workflow</c> as tEXt), and WebP EXIF strings of the form <c>key:value</c> (SaveAnimatedWEBP
/// writes <c>prompt:</c> into tag 0x0110 and <c>workflow:</c> into 0x010F), as the frontend's metadata readers do.
/// </summary>
internal static class ImageTextChunks
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static Dictionary<string, string> Read(byte[] data)
    {
        if (data.AsSpan().StartsWith(PngSignature))
        {
            return ReadPng(data);
        }

        if (data.Length >= 12 && Encoding.ASCII.GetString(data, 0, 4) == "RIFF" && Encoding.ASCII.GetString(data, 8, 4) == "WEBP")
        {
            return ReadWebp(data);
        }

        throw new ComfyWorkflowFormatException("The image is neither a PNG nor a WebP file, so it carries no ComfyUI workflow.");
    }

    private static Dictionary<string, string> ReadPng(byte[] data)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var at = PngSignature.Length;
        while (at + 8 <= data.Length)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(data.AsSpan(at));
            var type = Encoding.ASCII.GetString(data, at + 4, 4);
            if (length < 0 || at + 12L + length > data.Length)
            {
                break; // a truncated file: keep what was read
            }

            var body = data.AsSpan(at + 8, length);
            switch (type)
            {
                case "tEXt":
                    AddKeyed(result, body, b => Encoding.Latin1.GetString(b));
                    break;
                case "zTXt":
                    AddKeyed(result, body, b => Encoding.Latin1.GetString(Inflate(b[1..])));
                    break;
                case "iTXt":
                    AddInternational(result, body);
                    break;
                case "IEND":
                    return result;
            }

            at += 12 + length;
        }

        return result;
    }

    private static void AddKeyed(Dictionary<string, string> result, ReadOnlySpan<byte> body, Func<byte[], string> decode)
    {
        var zero = body.IndexOf((byte)0);
        if (zero > 0)
        {
            result.TryAdd(Encoding.Latin1.GetString(body[..zero]), decode(body[(zero + 1)..].ToArray()));
        }
    }

    private static void AddInternational(Dictionary<string, string> result, ReadOnlySpan<byte> body)
    {
        // keyword \0 compressed-flag method language \0 translated-keyword \0 text
        var zero = body.IndexOf((byte)0);
        if (zero <= 0 || zero + 3 > body.Length)
        {
            return;
        }

        var key = Encoding.Latin1.GetString(body[..zero]);
        var compressed = body[zero + 1] == 1;
        var rest = body[(zero + 3)..];
        var language = rest.IndexOf((byte)0);
        if (language < 0)
        {
            return;
        }

        rest = rest[(language + 1)..];
        var translated = rest.IndexOf((byte)0);
        if (translated < 0)
        {
            return;
        }

        var text = rest[(translated + 1)..].ToArray();
        result.TryAdd(key, Encoding.UTF8.GetString(compressed ? Inflate(text) : text));
    }

    private static byte[] Inflate(byte[] zlib)
    {
        using var input = new MemoryStream(zlib);
        using var inflater = new ZLibStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        inflater.CopyTo(output);
        return output.ToArray();
    }

    private static Dictionary<string, string> ReadWebp(byte[] data)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var at = 12;
        while (at + 8 <= data.Length)
        {
            var type = Encoding.ASCII.GetString(data, at, 4);
            var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(at + 4));
            if (length < 0 || at + 8L + length > data.Length)
            {
                break;
            }

            if (type == "EXIF")
            {
                ReadExif(data.AsSpan(at + 8, length), result);
            }

            at += 8 + length + (length & 1); // RIFF chunks are padded to even sizes
        }

        return result;
    }

    private static void ReadExif(ReadOnlySpan<byte> exif, Dictionary<string, string> result)
    {
        if (exif.StartsWith("Exif\0\0"u8))
        {
            exif = exif[6..];
        }

        if (exif.Length < 8)
        {
            return;
        }

        var little = exif[0] == (byte)'I';
        uint U32(ReadOnlySpan<byte> s) => little ? BinaryPrimitives.ReadUInt32LittleEndian(s) : BinaryPrimitives.ReadUInt32BigEndian(s);
        ushort U16(ReadOnlySpan<byte> s) => little ? BinaryPrimitives.ReadUInt16LittleEndian(s) : BinaryPrimitives.ReadUInt16BigEndian(s);
        var ifd = (int)U32(exif[4..]);
        if (ifd < 0 || ifd + 2 > exif.Length)
        {
            return;
        }

        int count = U16(exif[ifd..]);
        for (var i = 0; i < count; i++)
        {
            var entry = ifd + 2 + (i * 12);
            if (entry + 12 > exif.Length)
            {
                return;
            }

            var type = U16(exif[(entry + 2)..]);
            var length = (int)U32(exif[(entry + 4)..]);
            if (type != 2 || length <= 0)
            {
                continue; // only ASCII strings carry ComfyUI's key:value text
            }

            var offset = length <= 4 ? entry + 8 : (int)U32(exif[(entry + 8)..]);
            if (offset < 0 || offset + length > exif.Length)
            {
                continue;
            }

            var text = Encoding.UTF8.GetString(exif.Slice(offset, length)).TrimEnd('\0');
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                result.TryAdd(text[..colon], text[(colon + 1)..]);
            }
        }
    }
}
