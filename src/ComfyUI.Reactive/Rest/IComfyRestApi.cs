using System.Text.Json;
using ComfyUI.Reactive.Models;
using Refit;

namespace ComfyUI.Reactive.Rest;

/// <summary>
/// The routes every ComfyUI server registers twice, at <c>/X</c> and <c>/api/X</c> (PROTOCOL.md §2.1). Paths are
/// relative to the API root, which is <c>{base}/api</c> by default or <c>{base}</c> for servers older than mid-2024
/// (<see cref="ComfyClientOptions.UseApiPrefix"/>): the root is the HttpClient's base address, so one interface serves both.
/// </summary>
/// <remarks>
/// Boolean query values are passed as strings: ComfyUI compares some of them case-sensitively with <c>"true"</c>/<c>"false"</c>
/// and Refit would format a <see cref="bool"/> as <c>True</c>.
/// </remarks>
internal interface IComfyRestApi
{
    [Get("/prompt")]
    Task<QueueStatus> GetPromptStatusAsync(CancellationToken cancellationToken);

    [Post("/prompt")]
    Task<PromptResponse> PostPromptAsync([Body] PromptRequest request, CancellationToken cancellationToken);

    [Get("/queue")]
    Task<QueueState> GetQueueAsync(CancellationToken cancellationToken);

    // The raw answer, for the SDK's own reads of the queue, which need each prompt's id only (QueueIdsReader).
    [Get("/queue")]
    Task<HttpResponseMessage> GetQueueResponseAsync(CancellationToken cancellationToken);

    [Post("/queue")]
    Task PostQueueAsync([Body] ClearOrDeleteRequest request, CancellationToken cancellationToken);

    // No body at all: the server treats a missing or unparsable body as a global interrupt.
    [Post("/interrupt")]
    Task InterruptAsync(CancellationToken cancellationToken);

    [Post("/interrupt")]
    Task InterruptPromptAsync([Body] InterruptRequest request, CancellationToken cancellationToken);

    [Post("/free")]
    Task FreeAsync([Body] FreeRequest request, CancellationToken cancellationToken);

    [Get("/history")]
    Task<Dictionary<string, HistoryEntry>> GetHistoryAsync(
        [AliasAs("max_items")] int? maxItems, [AliasAs("offset")] int? offset, CancellationToken cancellationToken);

    [Get("/history/{promptId}")]
    Task<Dictionary<string, HistoryEntry>> GetHistoryEntryAsync(string promptId, CancellationToken cancellationToken);

    [Post("/history")]
    Task PostHistoryAsync([Body] ClearOrDeleteRequest request, CancellationToken cancellationToken);

    [Get("/object_info")]
    Task<Dictionary<string, NodeInfo>> GetObjectInfoAsync(CancellationToken cancellationToken);

    // The raw answer, for tools that save it (the typed-nodes generator reads it as a file): nothing dropped or reordered.
    [Get("/object_info")]
    Task<HttpResponseMessage> GetObjectInfoResponseAsync(CancellationToken cancellationToken);

    [Get("/object_info/{nodeClass}")]
    Task<Dictionary<string, NodeInfo>> GetNodeInfoAsync(string nodeClass, CancellationToken cancellationToken);

    [Get("/embeddings")]
    Task<List<string>> GetEmbeddingsAsync(CancellationToken cancellationToken);

    [Get("/models")]
    Task<List<string>> GetModelFoldersAsync(CancellationToken cancellationToken);

    [Get("/models/{folder}")]
    Task<List<string>> GetModelsAsync(string folder, CancellationToken cancellationToken);

    [Get("/extensions")]
    Task<List<string>> GetExtensionsAsync(CancellationToken cancellationToken);

    [Get("/system_stats")]
    Task<SystemStats> GetSystemStatsAsync(CancellationToken cancellationToken);

    [Get("/features")]
    Task<ServerFeatures> GetFeaturesAsync(CancellationToken cancellationToken);

    [Multipart]
    [Post("/upload/image")]
    Task<UploadResult> UploadImageAsync(
        [AliasAs("image")] StreamPart image,
        [AliasAs("type")] string? type,
        [AliasAs("subfolder")] string? subfolder,
        [AliasAs("overwrite")] string? overwrite,
        CancellationToken cancellationToken);

    [Multipart]
    [Post("/upload/mask")]
    Task<UploadResult> UploadMaskAsync(
        [AliasAs("image")] StreamPart image,
        [AliasAs("original_ref")] string originalRef,
        [AliasAs("type")] string? type,
        [AliasAs("subfolder")] string? subfolder,
        [AliasAs("overwrite")] string? overwrite,
        CancellationToken cancellationToken);

    // HttpResponseMessage: Refit hands the response over after the headers, and the body stays on the wire until read.
    [Get("/view")]
    Task<HttpResponseMessage> ViewAsync(
        [AliasAs("filename")] string filename,
        [AliasAs("subfolder")] string? subfolder,
        [AliasAs("type")] string? type,
        [AliasAs("preview")] string? preview,
        [AliasAs("channel")] string? channel,
        CancellationToken cancellationToken);

    [Get("/view_metadata/{folderName}")]
    Task<JsonElement> GetViewMetadataAsync(string folderName, [AliasAs("filename")] string filename, CancellationToken cancellationToken);

    [Get("/userdata")]
    Task<List<UserDataFile>> ListUserDataAsync(
        [AliasAs("dir")] string dir,
        [AliasAs("recurse")] string recurse,
        [AliasAs("full_info")] string fullInfo,
        [AliasAs("split")] string split,
        CancellationToken cancellationToken);

    [Get("/v2/userdata")]
    Task<List<UserDataItem>> ListUserDataV2Async([AliasAs("path")] string? path, CancellationToken cancellationToken);

    [Get("/userdata/{file}")]
    Task<HttpResponseMessage> GetUserDataAsync(string file, CancellationToken cancellationToken);

    [Post("/userdata/{file}")]
    Task<UserDataFile> PostUserDataAsync(
        string file,
        [Body] Stream content,
        [AliasAs("overwrite")] string overwrite,
        [AliasAs("full_info")] string fullInfo,
        CancellationToken cancellationToken);

    [Post("/userdata/{file}/move/{destination}")]
    Task<UserDataFile> MoveUserDataAsync(
        string file,
        string destination,
        [AliasAs("overwrite")] string overwrite,
        [AliasAs("full_info")] string fullInfo,
        CancellationToken cancellationToken);

    [Delete("/userdata/{file}")]
    Task DeleteUserDataAsync(string file, CancellationToken cancellationToken);

    [Get("/settings")]
    Task<Dictionary<string, JsonElement>> GetSettingsAsync(CancellationToken cancellationToken);

    [Get("/settings/{id}")]
    Task<JsonElement> GetSettingAsync(string id, CancellationToken cancellationToken);

    [Post("/settings")]
    Task PostSettingsAsync([Body] Dictionary<string, JsonElement> settings, CancellationToken cancellationToken);

    [Post("/settings/{id}")]
    Task PostSettingAsync(string id, [Body] JsonElement value, CancellationToken cancellationToken);

    [Get("/users")]
    Task<UsersInfo> GetUsersAsync(CancellationToken cancellationToken);

    // The answer is a JSON string; Refit returns a string body raw, so it is read as JSON to drop the quotes.
    [Post("/users")]
    Task<JsonElement> CreateUserAsync([Body] CreateUserRequest request, CancellationToken cancellationToken);
}
