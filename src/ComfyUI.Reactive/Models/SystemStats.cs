using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Models;

/// <summary>The answer of <c>GET /system_stats</c>: versions, memory and compute devices. Its first success is a good readiness probe.</summary>
public sealed class SystemStats
{
    /// <summary>Host and version information.</summary>
    [JsonPropertyName("system")]
    public SystemInfo System { get; init => field = value ?? new(); } = new();

    /// <summary>The compute devices; the first is the primary one.</summary>
    [JsonPropertyName("devices")]
    public IReadOnlyList<DeviceInfo> Devices { get; init => field = value ?? []; } = [];
}

/// <summary>The <c>system</c> object of <see cref="SystemStats"/>. Newer keys are null on older servers.</summary>
public sealed class SystemInfo
{
    /// <summary>The OS: <c>linux</c>, <c>win32</c>, <c>darwin</c> on newer servers; <c>posix</c> or <c>nt</c> on older ones.</summary>
    [JsonPropertyName("os")]
    public string? Os { get; init; }

    /// <summary>Total RAM in bytes.</summary>
    [JsonPropertyName("ram_total")]
    [JsonConverter(typeof(FlexibleInt64JsonConverter))]
    public long RamTotal { get; init; }

    /// <summary>Free RAM in bytes.</summary>
    [JsonPropertyName("ram_free")]
    [JsonConverter(typeof(FlexibleInt64JsonConverter))]
    public long RamFree { get; init; }

    /// <summary>The ComfyUI version, e.g. <c>0.3.64</c>.</summary>
    [JsonPropertyName("comfyui_version")]
    public string? ComfyUIVersion { get; init; }

    /// <summary>The frontend package version the server requires.</summary>
    [JsonPropertyName("required_frontend_version")]
    public string? RequiredFrontendVersion { get; init; }

    /// <summary>The installed workflow-templates package version.</summary>
    [JsonPropertyName("installed_templates_version")]
    public string? InstalledTemplatesVersion { get; init; }

    /// <summary>The workflow-templates package version the server requires.</summary>
    [JsonPropertyName("required_templates_version")]
    public string? RequiredTemplatesVersion { get; init; }

    /// <summary>Installed versus required versions of ComfyUI's companion packages (newer servers).</summary>
    [JsonPropertyName("comfy_package_versions")]
    public IReadOnlyList<PackageVersionInfo> ComfyPackageVersions { get; init => field = value ?? []; } = [];

    /// <summary>The Python version string.</summary>
    [JsonPropertyName("python_version")]
    public string? PythonVersion { get; init; }

    /// <summary>The PyTorch version string.</summary>
    [JsonPropertyName("pytorch_version")]
    public string? PyTorchVersion { get; init; }

    /// <summary>True for the Windows portable build's embedded Python.</summary>
    [JsonPropertyName("embedded_python")]
    public bool EmbeddedPython { get; init; }

    /// <summary>How the server was deployed, e.g. <c>local-git</c> (newer servers).</summary>
    [JsonPropertyName("deploy_environment")]
    public string? DeployEnvironment { get; init; }

    /// <summary>The server's command line.</summary>
    [JsonPropertyName("argv")]
    public IReadOnlyList<string> Argv { get; init => field = value ?? []; } = [];
}

/// <summary>One entry of <see cref="SystemInfo.ComfyPackageVersions"/>.</summary>
public sealed class PackageVersionInfo
{
    /// <summary>The package name.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary>The installed version.</summary>
    [JsonPropertyName("installed")]
    public string? Installed { get; init; }

    /// <summary>The required version.</summary>
    [JsonPropertyName("required")]
    public string? Required { get; init; }
}

/// <summary>One compute device of <see cref="SystemStats"/>.</summary>
public sealed class DeviceInfo
{
    /// <summary>The device name, e.g. <c>cpu</c> or <c>cuda:0 NVIDIA ...</c>.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary>The device type, e.g. <c>cpu</c>, <c>cuda</c>, <c>mps</c>.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; init; }

    /// <summary>The device index, or null (CPU).</summary>
    [JsonPropertyName("index")]
    [JsonConverter(typeof(FlexibleInt64JsonConverter))]
    public long? Index { get; init; }

    /// <summary>Total device memory in bytes.</summary>
    [JsonPropertyName("vram_total")]
    [JsonConverter(typeof(FlexibleInt64JsonConverter))]
    public long VramTotal { get; init; }

    /// <summary>Free device memory in bytes.</summary>
    [JsonPropertyName("vram_free")]
    [JsonConverter(typeof(FlexibleInt64JsonConverter))]
    public long VramFree { get; init; }

    /// <summary>Memory reserved by PyTorch, in bytes.</summary>
    [JsonPropertyName("torch_vram_total")]
    [JsonConverter(typeof(FlexibleInt64JsonConverter))]
    public long TorchVramTotal { get; init; }

    /// <summary>Reserved but unused PyTorch memory, in bytes.</summary>
    [JsonPropertyName("torch_vram_free")]
    [JsonConverter(typeof(FlexibleInt64JsonConverter))]
    public long TorchVramFree { get; init; }
}
