using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ComfyUI.Reactive.Emulator.Execution;
using ComfyUI.Reactive.Emulator.Sockets;
using ComfyUI.Reactive.Emulator.Validation;
using Microsoft.AspNetCore.Http;

namespace ComfyUI.Reactive.Emulator.Server;

/// <summary>Submission, queue, interrupt, free and history routes (PROTOCOL.md §2.2–2.7).</summary>
internal static partial class PromptRoutes
{
    [GeneratedRegex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", RegexOptions.CultureInvariant)]
    private static partial Regex CanonicalUuid();

    public static bool IsCanonicalUuid(string s) => CanonicalUuid().IsMatch(s);

    public static Task GetPrompt(HttpContext ctx, EmulatorState state) =>
        HttpBodies.Json(ctx, JsonFrames.Write(state.Queue.Remaining, static (w, n) =>
        {
            w.WriteStartObject();
            w.WriteStartObject("exec_info");
            w.WriteNumber("queue_remaining", n);
            w.WriteEndObject();
            w.WriteEndObject();
        }));

    public static async Task PostPrompt(HttpContext ctx, EmulatorState state)
    {
        if (await HttpBodies.ReadJsonAsync(ctx).ConfigureAwait(false) is not JsonObject body)
        {
            await HttpBodies.ServerError(ctx).ConfigureAwait(false);
            return;
        }

        // Newer servers (2026-06) insist on a canonical lowercase UUID; null or absent means "generate one". Servers before
        // 2025-07-14 did not read the field at all.
        string? promptId = null;
        if (!state.Options.IgnoreClientPromptId && body["prompt_id"] is { } pidNode)
        {
            if (pidNode is not JsonValue pv || pv.GetValueKind() != JsonValueKind.String || !IsCanonicalUuid(pv.GetValue<string>()))
            {
                await Reject(ctx, PromptValidator.Error("invalid_prompt_id", "prompt_id must be a valid UUID", "prompt_id must be a canonical lowercase hyphenated UUID string (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"), []).ConfigureAwait(false);
                return;
            }

            promptId = pv.GetValue<string>();
        }

        double number;
        bool numberIsFloat;
        if (body.TryGetPropertyValue("number", out var numberNode))
        {
            if (!TryFloat(numberNode, out number))
            {
                await HttpBodies.ServerError(ctx).ConfigureAwait(false);
                return;
            }

            numberIsFloat = true;
        }
        else
        {
            // The counter advances before validation: rejected prompts consume numbers too (visible in the recordings).
            number = state.Queue.NextNumber();
            numberIsFloat = false;
            if (body["front"] is JsonValue front && front.GetValueKind() == JsonValueKind.True)
            {
                number = -number;
            }
        }

        if (!body.TryGetPropertyValue("prompt", out var promptNode))
        {
            await Reject(ctx, PromptValidator.Error("no_prompt", "No prompt provided", "No prompt provided"), []).ConfigureAwait(false);
            return;
        }

        if (promptNode is not JsonObject prompt)
        {
            await HttpBodies.ServerError(ctx).ConfigureAwait(false);
            return;
        }

        HashSet<string>? targets = null;
        if (body["partial_execution_targets"] is JsonArray targetArray)
        {
            targets = targetArray.Select(t => t is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : t?.ToJsonString() ?? string.Empty).ToHashSet(StringComparer.Ordinal);
        }

        promptId ??= Guid.NewGuid().ToString();
        var outcome = state.Validator.Validate(prompt, targets);
        if (!outcome.Valid)
        {
            await Reject(ctx, outcome.Error!, outcome.NodeErrors).ConfigureAwait(false);
            return;
        }

        var extraData = body["extra_data"] is JsonObject extra ? extra : [];
        if (body.TryGetPropertyValue("client_id", out var client))
        {
            extraData["client_id"] = client?.DeepClone();
        }

        var item = new QueueItem
        {
            Number = number,
            NumberIsFloat = numberIsFloat,
            Sequence = state.Queue.NextSequence(),
            PromptId = promptId,
            Prompt = prompt,
            ExtraData = extraData,
            Outputs = outcome.GoodOutputs,
            Graph = new PromptGraph(prompt, state.Catalog),
            CreateTime = state.Options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        // Materialise the JSON object now: the worker and GET /queue read it later from other threads.
        _ = extraData.Count;
        var remaining = state.Queue.Put(item);
        try
        {
            await HttpBodies.Json(ctx, JsonFrames.Write((item, outcome.NodeErrors), static (w, s) =>
            {
                w.WriteStartObject();
                w.WriteString("prompt_id", s.item.PromptId);
                w.WritePropertyName("number");
                s.item.WriteNumber(w);
                w.WritePropertyName("node_errors");
                s.NodeErrors.WriteTo(w);
                w.WriteEndObject();
            })).ConfigureAwait(false);
            // Flushed to the socket, not just buffered: only then may the worker send frames of this prompt.
            await ctx.Response.CompleteAsync().ConfigureAwait(false);
        }
        finally
        {
            // The item is queued (GET /queue shows it) before the answer; the status frame and the worker follow it.
            state.Executor.BroadcastStatus(remaining);
            item.Answered.TrySetResult();
        }
    }

    private static bool TryFloat(JsonNode? node, out double value)
    {
        value = 0;
        return node is JsonValue v && (v.GetValueKind() == JsonValueKind.Number
            ? (value = v.GetValue<double>()) is var _
            : v.GetValueKind() == JsonValueKind.String && double.TryParse(v.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out value));
    }

    private static Task Reject(HttpContext ctx, JsonObject error, JsonObject nodeErrors) =>
        HttpBodies.Json(ctx, new JsonObject { ["error"] = error, ["node_errors"] = nodeErrors }, 400);

    public static Task GetQueue(HttpContext ctx, EmulatorState state)
    {
        var (running, pending) = state.Queue.Snapshot();
        return HttpBodies.Json(ctx, JsonFrames.Write((running, pending), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteStartArray("queue_running");
            s.running?.WriteTuple(w);
            w.WriteEndArray();
            w.WriteStartArray("queue_pending");
            foreach (var p in s.pending)
            {
                p.WriteTuple(w);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }));
    }

    public static async Task PostQueue(HttpContext ctx, EmulatorState state)
    {
        if (await HttpBodies.ReadJsonAsync(ctx).ConfigureAwait(false) is not JsonObject body)
        {
            await HttpBodies.ServerError(ctx).ConfigureAwait(false);
            return;
        }

        if (body["clear"] is JsonValue clear && clear.GetValueKind() == JsonValueKind.True)
        {
            state.Queue.Clear();
            state.Executor.BroadcastStatus(state.Queue.Remaining);
        }

        if (body["delete"] is JsonArray delete)
        {
            foreach (var id in delete.OfType<JsonValue>().Where(v => v.GetValueKind() == JsonValueKind.String).Select(v => v.GetValue<string>()))
            {
                if (state.Queue.Delete([id]) > 0)
                {
                    state.Executor.BroadcastStatus(state.Queue.Remaining);
                }
            }
        }

        await HttpBodies.Empty(ctx).ConfigureAwait(false);
    }

    public static async Task PostInterrupt(HttpContext ctx, EmulatorState state)
    {
        var body = await HttpBodies.ReadJsonAsync(ctx).ConfigureAwait(false);
        var promptId = body is JsonObject o && o["prompt_id"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
        state.Executor.Interrupt(promptId);
        await HttpBodies.Empty(ctx).ConfigureAwait(false);
    }

    public static async Task PostFree(HttpContext ctx, EmulatorState state)
    {
        if (await HttpBodies.ReadJsonAsync(ctx).ConfigureAwait(false) is not JsonObject body)
        {
            await HttpBodies.ServerError(ctx).ConfigureAwait(false);
            return;
        }

        if (body["free_memory"] is JsonValue free && free.GetValueKind() == JsonValueKind.True)
        {
            state.Executor.RequestFree();
        }

        await HttpBodies.Empty(ctx).ConfigureAwait(false);
    }

    public static Task GetHistory(HttpContext ctx, EmulatorState state)
    {
        int? max = null, offset = null;
        if (ctx.Request.Query.TryGetValue("max_items", out var m))
        {
            if (!int.TryParse(m, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var mv))
            {
                return HttpBodies.ServerError(ctx);
            }

            max = mv;
        }

        if (ctx.Request.Query.TryGetValue("offset", out var o))
        {
            if (!int.TryParse(o, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ov))
            {
                return HttpBodies.ServerError(ctx);
            }

            offset = ov;
        }

        var page = state.History.Page(max, offset);
        return HttpBodies.Json(ctx, JsonFrames.Write(page, static (w, p) => HistoryStore.WriteMap(w, p)));
    }

    public static Task GetHistoryItem(HttpContext ctx, EmulatorState state)
    {
        var id = (string)ctx.Request.RouteValues["id"]!;
        var record = state.History.Get(id);
        return HttpBodies.Json(ctx, JsonFrames.Write(record, static (w, r) => HistoryStore.WriteMap(w, r is null ? [] : [r])));
    }

    public static async Task PostHistory(HttpContext ctx, EmulatorState state)
    {
        if (await HttpBodies.ReadJsonAsync(ctx).ConfigureAwait(false) is not JsonObject body)
        {
            await HttpBodies.ServerError(ctx).ConfigureAwait(false);
            return;
        }

        if (body["clear"] is JsonValue clear && clear.GetValueKind() == JsonValueKind.True)
        {
            state.History.Clear();
        }

        if (body["delete"] is JsonArray delete)
        {
            state.History.Delete(delete.OfType<JsonValue>().Where(v => v.GetValueKind() == JsonValueKind.String).Select(v => v.GetValue<string>()));
        }

        await HttpBodies.Empty(ctx).ConfigureAwait(false);
    }
}
