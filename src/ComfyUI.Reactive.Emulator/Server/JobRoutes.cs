using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Emulator.Execution;
using ComfyUI.Reactive.Emulator.Sockets;
using Microsoft.AspNetCore.Http;

namespace ComfyUI.Reactive.Emulator.Server;

/// <summary>
/// The newer jobs API (<c>/api/jobs…</c>, PROTOCOL.md §2.8): a normalised view over queue and history, plus cancel.
/// Entries follow comfy_execution/jobs.py: null fields omitted, <c>workflow_id</c> from
/// <c>extra_data.extra_pnginfo.workflow.id</c>, and for history items the lifecycle timestamps, the
/// <c>execution_error</c> message, <c>outputs_count</c> (dict items of every output list except <c>animated</c>) and
/// <c>preview_output</c> (the first previewable item, type <c>output</c> preferred, plus <c>nodeId</c>/<c>mediaType</c>).
/// </summary>
internal static class JobRoutes
{
    private static readonly string[] ThreeDExtensions = [".obj", ".fbx", ".gltf", ".glb", ".usdz"];

    /// <summary>What a history entry contributes to its job, computed once per entry from its stored JSON (jobs.py's normalize_history_item).</summary>
    private sealed record HistoryFacts(JsonNode? Priority, JsonNode? WorkflowId, long? StartTime, long? EndTime, JsonObject? Error, int OutputsCount, JsonObject? Preview);

    private sealed record Job(string Id, string Status, JsonNode? Priority, long CreateTime, JsonNode? WorkflowId, HistoryRecord? History, HistoryFacts? Facts)
    {
        public long Duration => Facts is { StartTime: { } s, EndTime: { } e } && s != 0 && e != 0 ? e - s : 0;
    }

    // Keyed by reference: an entry's facts never change, and they go away with the entry.
    private static readonly ConditionalWeakTable<HistoryRecord, HistoryFacts> FactsCache = new();

    private static List<Job> AllJobs(EmulatorState state)
    {
        var (running, pending) = state.Queue.Snapshot();
        var jobs = new List<Job>();
        if (running is not null)
        {
            jobs.Add(QueueJob(running, "in_progress"));
        }

        jobs.AddRange(pending.Select(p => QueueJob(p, "pending")));
        foreach (var h in state.History.All())
        {
            var facts = FactsCache.GetValue(h, Facts);
            var status = h.StatusStr == "success" ? "completed" : h.Interrupted ? "cancelled" : "failed";
            jobs.Add(new Job(h.PromptId, status, facts.Priority, h.CreateTime, facts.WorkflowId, h, facts));
        }

        return jobs;
    }

    private static Job QueueJob(QueueItem item, string status)
    {
        var priority = JsonNode.Parse(JsonFrames.Write(item, static (w, i) => i.WriteNumber(w)));
        return new Job(item.PromptId, status, priority, item.CreateTime, WorkflowId(item.ExtraData), null, null);
    }

    private static JsonNode? WorkflowId(JsonNode? extraData) =>
        extraData is JsonObject e && e["extra_pnginfo"] is JsonObject info && info["workflow"] is JsonObject workflow ? workflow["id"]?.DeepClone() : null;

    private static HistoryFacts Facts(HistoryRecord record)
    {
        var doc = JsonNode.Parse(record.Json)!.AsObject();
        var tuple = doc["prompt"]!.AsArray();
        long? start = null, end = null;
        JsonObject? error = null;
        foreach (var message in doc["status"]?["messages"]?.AsArray() ?? [])
        {
            if (message is JsonArray { Count: >= 2 } pair && pair[0] is JsonValue name && pair[1] is JsonObject data)
            {
                switch (name.GetValue<string>())
                {
                    case "execution_start":
                        start = data["timestamp"]?.GetValue<long>();
                        break;
                    case "execution_success" or "execution_interrupted":
                        end = data["timestamp"]?.GetValue<long>();
                        break;
                    case "execution_error":
                        end = data["timestamp"]?.GetValue<long>();
                        error = (JsonObject)data.DeepClone();
                        break;
                }
            }
        }

        var (count, preview) = OutputsSummary(doc["outputs"] as JsonObject);
        return new HistoryFacts(tuple[0]?.DeepClone(), WorkflowId(tuple[3]), start, end, error, count, preview);
    }

    /// <summary>jobs.py <c>get_outputs_summary</c>: counts output items and picks the preview in one pass.</summary>
    private static (int Count, JsonObject? Preview) OutputsSummary(JsonObject? outputs)
    {
        var count = 0;
        JsonObject? preview = null;
        JsonObject? fallback = null;
        foreach (var (nodeId, nodeOutputs) in outputs ?? [])
        {
            if (nodeOutputs is not JsonObject lists)
            {
                continue;
            }

            foreach (var (mediaType, items) in lists)
            {
                if (mediaType == "animated" || items is not JsonArray array)
                {
                    continue;
                }

                foreach (var item in array)
                {
                    // Plain strings (e.g. PreviewAny's text) are not output items, unless they name a 3D file.
                    JsonObject normalized;
                    if (item is JsonObject o)
                    {
                        normalized = o;
                    }
                    else if (item is JsonValue v && v.GetValueKind() == JsonValueKind.String && Has3DExtension(v.GetValue<string>()))
                    {
                        normalized = new JsonObject { ["filename"] = v.GetValue<string>(), ["type"] = "output", ["subfolder"] = "", ["mediaType"] = "3d" };
                    }
                    else
                    {
                        continue;
                    }

                    count++;
                    if (preview is not null || !IsPreviewable(mediaType, normalized))
                    {
                        continue;
                    }

                    var enriched = (JsonObject)normalized.DeepClone();
                    enriched["nodeId"] = nodeId;
                    if (!enriched.ContainsKey("mediaType"))
                    {
                        enriched["mediaType"] = mediaType;
                    }

                    if (normalized["type"] is JsonValue t && t.GetValueKind() == JsonValueKind.String && t.GetValue<string>() == "output")
                    {
                        preview = enriched;
                    }
                    else
                    {
                        fallback ??= enriched;
                    }
                }
            }
        }

        return (count, preview ?? fallback);
    }

    private static bool IsPreviewable(string mediaType, JsonObject item)
    {
        if (mediaType is "images" or "video" or "audio" or "3d")
        {
            return true;
        }

        if (item["format"] is JsonValue f && f.GetValueKind() == JsonValueKind.String &&
            f.GetValue<string>() is var format && (format.StartsWith("video/", StringComparison.Ordinal) || format.StartsWith("audio/", StringComparison.Ordinal)))
        {
            return true;
        }

        return item["filename"] is JsonValue n && n.GetValueKind() == JsonValueKind.String && Has3DExtension(n.GetValue<string>());
    }

    private static bool Has3DExtension(string filename) =>
        ThreeDExtensions.Any(e => filename.EndsWith(e, StringComparison.OrdinalIgnoreCase));

    /// <summary>One JobEntry in the server's key order, null values omitted (<c>prune_dict</c>).</summary>
    private static JsonObject Entry(Job job)
    {
        var o = new JsonObject
        {
            ["id"] = job.Id,
            ["status"] = job.Status,
            ["priority"] = job.Priority?.DeepClone(),
            ["create_time"] = job.CreateTime,
        };
        if (job.Facts is { } f)
        {
            Add(o, "execution_start_time", f.StartTime is { } s ? JsonValue.Create(s) : null);
            Add(o, "execution_end_time", f.EndTime is { } e ? JsonValue.Create(e) : null);
            Add(o, "execution_error", f.Error?.DeepClone());
            o["outputs_count"] = f.OutputsCount;
            Add(o, "preview_output", f.Preview?.DeepClone());
        }
        else
        {
            o["outputs_count"] = 0;
        }

        Add(o, "workflow_id", job.WorkflowId?.DeepClone());
        return o;

        static void Add(JsonObject o, string key, JsonNode? value)
        {
            if (value is not null)
            {
                o[key] = value;
            }
        }
    }

    public static Task List(HttpContext ctx, EmulatorState state)
    {
        var q = ctx.Request.Query;
        var jobs = AllJobs(state);
        if (q.TryGetValue("status", out var statusFilter) && !string.IsNullOrEmpty(statusFilter))
        {
            var wanted = statusFilter.ToString().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
            var known = new[] { "pending", "in_progress", "completed", "failed", "cancelled" };
            if (wanted.Any(w => !known.Contains(w)))
            {
                return HttpBodies.Json(ctx, new JsonObject { ["error"] = $"Invalid status filter: {statusFilter}" }, 400);
            }

            jobs = jobs.Where(j => wanted.Contains(j.Status)).ToList();
        }

        if (q.TryGetValue("workflow_id", out var workflowId) && !string.IsNullOrEmpty(workflowId))
        {
            // jobs.py compares with ==, so only a string id can match the query's string.
            var wanted = workflowId.ToString();
            jobs = jobs.Where(j => j.WorkflowId is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() == wanted).ToList();
        }

        var sortBy = q.TryGetValue("sort_by", out var sb) ? sb.ToString() : "created_at";
        var desc = !(q.TryGetValue("sort_order", out var so) && so == "asc");
        if (sortBy is not ("created_at" or "execution_duration"))
        {
            return HttpBodies.Json(ctx, new JsonObject { ["error"] = "sort_by must be 'created_at' or 'execution_duration'" }, 400);
        }

        Func<Job, long> key = sortBy == "created_at" ? j => j.CreateTime : j => j.Duration;
        jobs = (desc ? jobs.OrderByDescending(key) : jobs.OrderBy(key)).ToList();
        int? limit = null;
        var offset = 0;
        if (q.TryGetValue("limit", out var l))
        {
            if (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var lv) || lv <= 0)
            {
                return HttpBodies.Json(ctx, new JsonObject { ["error"] = "limit must be a positive integer" }, 400);
            }

            limit = lv;
        }

        if (q.TryGetValue("offset", out var off))
        {
            if (!int.TryParse(off, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ov))
            {
                return HttpBodies.Json(ctx, new JsonObject { ["error"] = "offset must be an integer" }, 400);
            }

            offset = Math.Max(0, ov);
        }

        var total = jobs.Count;
        var page = jobs.Skip(offset).Take(limit ?? int.MaxValue).ToList();
        return HttpBodies.Json(ctx, new JsonObject
        {
            ["jobs"] = new JsonArray(page.Select(j => (JsonNode?)Entry(j)).ToArray()),
            ["pagination"] = new JsonObject { ["offset"] = offset, ["limit"] = limit, ["total"] = total, ["has_more"] = offset + page.Count < total },
        });
    }

    public static Task Get(HttpContext ctx, EmulatorState state)
    {
        var id = (string)ctx.Request.RouteValues["id"]!;
        // get_job looks in history first, then running, then pending (a reused id can be in both).
        var job = AllJobs(state).Where(j => j.Id == id).OrderBy(j => j.History is null).FirstOrDefault();
        if (job is null)
        {
            return HttpBodies.Json(ctx, new JsonObject { ["error"] = "Job not found" }, 404);
        }

        var entry = Entry(job);
        if (job.History is { } h)
        {
            var doc = JsonNode.Parse(h.Json)!.AsObject();
            entry["outputs"] = doc["outputs"]?.DeepClone();
            entry["execution_status"] = doc["status"]?.DeepClone();
            var tuple = doc["prompt"]!.AsArray();
            entry["workflow"] = new JsonObject { ["prompt"] = tuple[2]?.DeepClone(), ["extra_data"] = tuple[3]?.DeepClone() };
        }

        return HttpBodies.Json(ctx, entry);
    }

    private static bool Cancel(EmulatorState state, string id)
    {
        if (state.Queue.Running?.PromptId == id)
        {
            state.Executor.Interrupt(id);
            return true;
        }

        if (state.Queue.Delete([id]) > 0)
        {
            state.Executor.BroadcastStatus(state.Queue.Remaining);
            return true;
        }

        return false;
    }

    public static Task CancelOne(HttpContext ctx, EmulatorState state) =>
        HttpBodies.Json(ctx, new JsonObject { ["cancelled"] = Cancel(state, (string)ctx.Request.RouteValues["id"]!) });

    public static async Task CancelMany(HttpContext ctx, EmulatorState state)
    {
        if (await HttpBodies.ReadJsonAsync(ctx).ConfigureAwait(false) is not JsonObject body)
        {
            await HttpBodies.Json(ctx, new JsonObject { ["error"] = "Request body must be valid JSON" }, 400).ConfigureAwait(false);
            return;
        }

        if (body["job_ids"] is not JsonArray ids)
        {
            await HttpBodies.Json(ctx, new JsonObject { ["error"] = "job_ids must be a list" }, 400).ConfigureAwait(false);
            return;
        }

        var invalid = ids.Where(i => i is not JsonValue v || v.GetValueKind() != JsonValueKind.String || !PromptRoutes.IsCanonicalUuid(v.GetValue<string>())).Select(i => i?.DeepClone()).ToArray();
        if (invalid.Length > 0)
        {
            await HttpBodies.Json(ctx, new JsonObject { ["error"] = "job_ids contains invalid id(s)", ["invalid_ids"] = new JsonArray(invalid) }, 400).ConfigureAwait(false);
            return;
        }

        var any = false;
        foreach (var id in ids.Select(i => i!.GetValue<string>()))
        {
            any |= Cancel(state, id);
        }

        await HttpBodies.Json(ctx, new JsonObject { ["cancelled"] = any }).ConfigureAwait(false);
    }
}
