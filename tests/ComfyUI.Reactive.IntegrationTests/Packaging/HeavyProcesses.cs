namespace ComfyUI.Reactive.IntegrationTests.Packaging;

/// <summary>
/// Tests that start MSBuild (<c>dotnet pack</c>) or compile and run whole programs: they run alone, after the parallel
/// tests, because their CPU load made timing-sensitive reliability tests miss their bounds on a 2-core machine.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeavyProcesses
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Heavy processes";
}
