using System.Text.Json;
using System.Text.Json.Serialization;
using ComfyUI.Reactive.Models;

namespace ComfyUI.Reactive.Rest;

/// <summary>
/// Source-generated JSON metadata for every REST body, so nothing uses reflection-based JSON (trimming and AOT safe).
/// Unknown fields are skipped by default; nulls are left out of requests so the server applies its defaults.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(PromptRequest))]
[JsonSerializable(typeof(PromptResponse))]
[JsonSerializable(typeof(PromptErrorBody))]
[JsonSerializable(typeof(ErrorBody))]
[JsonSerializable(typeof(QueueStatus))]
[JsonSerializable(typeof(QueueState))]
[JsonSerializable(typeof(ClearOrDeleteRequest))]
[JsonSerializable(typeof(InterruptRequest))]
[JsonSerializable(typeof(FreeRequest))]
[JsonSerializable(typeof(Dictionary<string, HistoryEntry>))]
[JsonSerializable(typeof(Dictionary<string, NodeInfo>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(SystemStats))]
[JsonSerializable(typeof(ServerFeatures))]
[JsonSerializable(typeof(UploadResult))]
[JsonSerializable(typeof(ComfyFileReference))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(List<UserDataFile>))]
[JsonSerializable(typeof(UserDataFile))]
[JsonSerializable(typeof(List<UserDataItem>))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
[JsonSerializable(typeof(UsersInfo))]
[JsonSerializable(typeof(CreateUserRequest))]
[JsonSerializable(typeof(JobsPage))]
[JsonSerializable(typeof(JobEntry))]
[JsonSerializable(typeof(JobCancelRequest))]
[JsonSerializable(typeof(JobCancelResult))]
internal sealed partial class ComfyRestJsonContext : JsonSerializerContext;
