using SkiaSharp;

namespace ComfyUI.Reactive.Emulator.Nodes;

/// <summary>Converts between float tensors and encoded images (PNG/JPEG) with SkiaSharp.</summary>
internal static class ImageCodec
{
    public static SKBitmap ToBitmap(ImageTensor image, int index)
    {
        var opaque = image.Channels < 4;
        var bitmap = new SKBitmap(new SKImageInfo(image.Width, image.Height, SKColorType.Rgba8888, opaque ? SKAlphaType.Opaque : SKAlphaType.Unpremul));
        var pixels = new byte[image.Width * image.Height * 4];
        var src = image.Data.AsSpan(index * image.ImageSize, image.ImageSize);
        var c = image.Channels;
        for (int p = 0, s = 0; p < pixels.Length; p += 4, s += c)
        {
            var r = ToByte(src[s]);
            pixels[p] = r;
            pixels[p + 1] = c >= 3 ? ToByte(src[s + 1]) : r;
            pixels[p + 2] = c >= 3 ? ToByte(src[s + 2]) : r;
            pixels[p + 3] = c == 4 ? ToByte(src[s + 3]) : (byte)255;
        }

        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        return bitmap;
    }

    public static byte[] EncodePng(ImageTensor image, int index)
    {
        using var bitmap = ToBitmap(image, index);
        return Encode(bitmap, SKEncodedImageFormat.Png, 100);
    }

    public static byte[] Encode(SKBitmap bitmap, SKEncodedImageFormat format, int quality)
    {
        using var data = bitmap.Encode(format, quality);
        return data.ToArray();
    }

    /// <summary>Decodes a file into an RGB image and the mask LoadImage derives from its alpha (zeros 64x64 when opaque).</summary>
    public static (ImageTensor Image, MaskTensor Mask) Decode(byte[] encoded)
    {
        using var original = SKBitmap.Decode(encoded) ?? throw new NodeExecutionException("PIL.UnidentifiedImageError", "cannot identify image file");
        using var bitmap = original.Copy(SKColorType.Rgba8888) ?? original;
        var hasAlpha = original.AlphaType != SKAlphaType.Opaque && original.ColorType != SKColorType.Rgb888x;
        var w = bitmap.Width;
        var h = bitmap.Height;
        var image = new ImageTensor(1, h, w, 3);
        var mask = hasAlpha ? new MaskTensor(1, h, w, new float[w * h]) : new MaskTensor(1, 64, 64, new float[64 * 64]);
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var px = bitmap.GetPixel(x, y);
                var i = ((y * w) + x) * 3;
                // GetPixel unpremultiplies, so colours are the stored ones, as PIL reads them.
                image.Data[i] = px.Red / 255f;
                image.Data[i + 1] = px.Green / 255f;
                image.Data[i + 2] = px.Blue / 255f;
                if (hasAlpha)
                {
                    mask.Data[(y * w) + x] = 1f - (px.Alpha / 255f);
                }
            }
        }

        return (image, mask);
    }

    public static byte ToByte(float v) => (byte)Math.Clamp((int)MathF.Round(v * 255f), 0, 255);
}
