using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Emulator.Execution;
using Microsoft.AspNetCore.Http;

namespace ComfyUI.Reactive.Emulator.Server;

/// <summary>The newer jobs API (<c>/api/jobs…</c>, PROTOCOL.md §2.8): a normalised view over queue and history, plus cancel.</summary>
internal static class JobRoutes
{
    private sealed record Job(string Id, string Status, double Priority, bool PriorityIsFloat, long CreateTime, int OutputsCount, HistoryRecord? History, QueueItem? Item);

    private static List<Job> AllJobs(EmulatorState state)
    {
        var (running, pending) = state.Queue.Snapshot();
        var jobs = new List<Job>();
        if (running is not null)
        {
            jobs.Add(new Job(running.PromptId, "in_progress", running.Number, running.NumberIsFloat, running.CreateTime, 0, null, running));
        }

        jobs.AddRange(pending.Select(p => new Job(p.PromptId, "pending", p.Number, p.NumberIsFloat, p.CreateTime, 0, null, p)));
        foreach (var h in state.History.All())
        {
            var status = h.StatusStr == "success" ? "completed" : h.Interrupted ? "cancelled" : "failed";
            jobs.Add(new Job(h.PromptId, status, h.Number, false, h.CreateTime, h.OutputsCount, h, null));
        }

        return jobs;
    }

    private static JsonObject Entry(Job job)
    {
        var o = new JsonObject
        {
            ["id"] = job.Id,
            ["status"] = job.Status,
            ["priority"] = job.PriorityIsFloat ? job.Priority : (long)job.Priority,
            ["create_time"] = job.CreateTime,
            ["outputs_count"] = job.OutputsCount,
        };
        if (job.History is { } h)
        {
            o["execution_start_time"] = h.StartTime;
            o["execution_end_time"] = h.EndTime;
        }

        return o;
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

        var sortBy = q.TryGetValue("sort_by", out var sb) ? sb.ToString() : "created_at";
        var desc = !(q.TryGetValue("sort_order", out var so) && so == "asc");
        if (sortBy is not ("created_at" or "execution_duration"))
        {
            return HttpBodies.Json(ctx, new JsonObject { ["error"] = "sort_by must be 'created_at' or 'execution_duration'" }, 400);
        }

        Func<Job, long> key = sortBy == "created_at" ? j => j.CreateTime : j => j.History is { } h ? h.EndTime - h.StartTime : 0;
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
        var job = AllJobs(state).FirstOrDefault(j => j.Id == id);
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
