namespace ComfyUI.Reactive.Benchmarks.WholeProcess;

/// <summary>
/// One kind of child process in <c>process</c> mode, written <c>client[-r2r|-pkg][+NAME=VALUE...]</c>: the client
/// (<c>raw</c> or <c>sdk</c>), optionally run from a ReadyToRun publish of this program (<c>-r2r</c>, <c>--r2r-dll</c>) or
/// from a copy of its build whose SDK assemblies are the ones its packages give a linux-x64 app (<c>-pkg</c>,
/// <c>--pkg-dll</c>: the precompiled code the SDK ships, with nothing else changed), with runtime
/// settings for that child only (e.g. <c>sdk-r2r+DOTNET_TieredPGO=0</c>), so that what an app can do beyond the SDK is
/// measured in the same interleaved run as the baseline.
/// </summary>
internal sealed record ChildKind(string Client, string? Dll, IReadOnlyDictionary<string, string> Environment)
{
    public static ChildKind Parse(string spec, string? readyToRunDll, string? packageDll)
    {
        var parts = spec.Split('+');
        var client = parts[0];
        string? dll = null;
        if (client.EndsWith("-r2r", StringComparison.Ordinal))
        {
            client = client[..^4];
            dll = readyToRunDll ?? throw new ArgumentException(
                $"kind {spec} needs --r2r-dll: dotnet publish tests/ComfyUI.Reactive.Benchmarks -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o <dir>");
        }
        else if (client.EndsWith("-pkg", StringComparison.Ordinal))
        {
            client = client[..^4];
            dll = packageDll ?? throw new ArgumentException(
                $"kind {spec} needs --pkg-dll: a copy of this build with runtimes/linux-x64/lib/net10.0/ComfyUI.Reactive.dll of the packed package over its ComfyUI.Reactive.dll (docs/benchmarks.md)");
        }

        if (client is not ("raw" or "sdk"))
        {
            throw new ArgumentException($"unknown client '{client}' in kind {spec} (raw or sdk)");
        }

        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var setting in parts.Skip(1))
        {
            var pair = setting.Split('=', 2);
            environment[pair[0]] = pair.Length == 2 ? pair[1] : throw new ArgumentException($"'{setting}' in kind {spec} is not NAME=VALUE");
        }

        return new ChildKind(client, dll, environment);
    }
}
