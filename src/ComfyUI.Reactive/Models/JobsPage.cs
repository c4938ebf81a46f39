using System.Text.Json.Serialization;

namespace ComfyUI.Reactive.Models;

/// <summary>One page of <c>GET /api/jobs</c>.</summary>
public sealed class JobsPage
{
    /// <summary>The jobs of this page, in the requested order.</summary>
    [JsonPropertyName("jobs")]
    public IReadOnlyList<JobEntry> Jobs { get; init => field = value ?? []; } = [];

    /// <summary>Where this page lies in the whole list.</summary>
    [JsonPropertyName("pagination")]
    public JobsPagination Pagination { get; init => field = value ?? new(); } = new();
}

/// <summary>The <c>pagination</c> object of a jobs page.</summary>
public sealed class JobsPagination
{
    /// <summary>The offset of the first job of the page.</summary>
    [JsonPropertyName("offset")]
    [JsonConverter(typeof(FlexibleInt64JsonConverter))]
    public long Offset { get; init; }

    /// <summary>The page size asked for, or null for no limit.</summary>
    [JsonPropertyName("limit")]
    [JsonConverter(typeof(FlexibleInt64JsonConverter))]
    public long? Limit { get; init; }

    /// <summary>The number of jobs matching the filters.</summary>
    [JsonPropertyName("total")]
    [JsonConverter(typeof(FlexibleInt64JsonConverter))]
    public long Total { get; init; }

    /// <summary>True when more jobs follow this page.</summary>
    [JsonPropertyName("has_more")]
    public bool HasMore { get; init; }
}
