using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace ComfyUI.Reactive.IntegrationTests.Emulator;

/// <summary>Recorded fixtures (copied from protocol/real-transcripts.md) and raw HTTP helpers.</summary>
internal static class Fixture
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "Emulator", "Fixtures");

    public static JsonObject Workflow(string name) => JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "workflows", name + ".json")))!.AsObject();

    public static string ExpectedSequence(string name) => JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "type_sequences.json")))![name]!.GetValue<string>();

    public static JsonObject Invalid() => JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "invalid", "expected_400.json")))!.AsObject();

    public static async Task<string> SubmitAsync(HttpClient http, JsonObject prompt, string? clientId, Action<JsonObject>? extra = null)
    {
        var body = new JsonObject { ["prompt"] = prompt.DeepClone() };
        if (clientId is not null)
        {
            body["client_id"] = clientId;
        }

        extra?.Invoke(body);
        using var response = await http.PostAsync("/prompt", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonNode.Parse(text)!["prompt_id"]!.GetValue<string>();
    }

    public static async Task<(int Status, string Body)> PostJsonAsync(HttpClient http, string path, string json)
    {
        using var response = await http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public static async Task<JsonNode> GetJsonAsync(HttpClient http, string path) =>
        (await http.GetFromJsonAsync<JsonNode>(path))!;
}
