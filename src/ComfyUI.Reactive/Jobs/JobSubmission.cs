using System.Text.Json;
using System.Text.Json.Nodes;
using ComfyUI.Reactive.Models;
using ComfyUI.Reactive.Sessions;
using ComfyUI.Reactive.Workflows;

namespace ComfyUI.Reactive.Jobs;

/// <summary>Prepares a submission: connect once, upload attachments, render and validate against the session's shared
/// schemas, and compute the nodes expected to run (for progress).</summary>
internal static class JobSubmission
{
    public static async Task<PreparedPrompt> PrepareAsync(
        ComfyClient client, ServerSession session, bool connected, string? clientApiKey, string promptId, Workflow workflow, JobOptions options,
        CancellationToken cancellationToken)
    {
        if (!connected)
        {
            // Events are only routed to a connected socket: connect before the first submission. Later submissions do
            // not wait for a reconnect; reconciliation covers what an outage hides.
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var attachment in options.Attachments)
        {
            var content = await attachment.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (content.ConfigureAwait(false))
            {
                var uploaded = await session.Api.UploadImageAsync(content, attachment.FileName, attachment.Upload, cancellationToken).ConfigureAwait(false);
                workflow = workflow.Set(attachment.Path, JsonValue.Create(uploaded.WorkflowValue));
            }
        }

        NodeSchemaCatalog? catalog;
        JsonElement prompt;
        IReadOnlyList<string>? validOutputs = null;
        if (options.ValidateBeforeSubmit && options.PartialExecutionTargets is null)
        {
            // Uploaded attachments are newer than any schema snapshot; their names are checked by the server.
            var validation = options.Attachments.Count == 0 ? WorkflowValidationOptions.Default : new WorkflowValidationOptions { CheckInputFiles = false };
            catalog = await session.Schema.GetCatalogAsync(cancellationToken).ConfigureAwait(false);
            prompt = Render(workflow, catalog);
            var result = Rendered(workflow, prompt).Validate(catalog, validation);
            if (!result.IsValid)
            {
                // The snapshot may predate new models or uploads: ask the server again (at most once a second) before rejecting.
                var fresh = await session.Schema.RefreshAsync(catalog, cancellationToken).ConfigureAwait(false);
                if (!ReferenceEquals(fresh, catalog))
                {
                    catalog = fresh;
                    prompt = Render(workflow, catalog);
                    result = Rendered(workflow, prompt).Validate(catalog, validation);
                }
            }

            result.ThrowIfInvalid();
            validOutputs = result.ValidOutputs;
        }
        else
        {
            catalog = session.Schema.Cached;
            prompt = Render(workflow, catalog);
        }

        // Copied only to add the key: most jobs carry no extra data, and need no dictionary.
        var extra = options.ExtraData;
        if ((options.ComfyOrgApiKey ?? clientApiKey) is { Length: > 0 } key)
        {
            var withKey = extra is null
                ? new Dictionary<string, JsonElement>(StringComparer.Ordinal)
                : new Dictionary<string, JsonElement>(extra, StringComparer.Ordinal);
            withKey["api_key_comfy_org"] = JsonSerializer.SerializeToElement(key, Rest.ComfyRestJsonContext.Default.String);
            extra = withKey;
        }

        var request = new PromptRequest
        {
            Prompt = prompt,
            ClientId = client.ClientId,
            PromptId = promptId,
            Front = options.Front ? true : null,
            Number = options.Number,
            ExtraData = extra is null || extra.Count == 0 ? null : extra,
            PartialExecutionTargets = options.PartialExecutionTargets,
        };
        return new PreparedPrompt(request, ExpectedNodes(prompt, catalog, options.PartialExecutionTargets ?? validOutputs));
    }

    private static JsonElement Render(Workflow workflow, NodeSchemaCatalog? catalog)
    {
        if (!workflow.HasRandomSeeds)
        {
            // The prompt is the workflow's own immutable JSON: no copy, no text, no re-parse per job.
            return workflow.Root;
        }

        using var document = JsonDocument.Parse(workflow.Render(catalog).ToJsonString());
        return document.RootElement.Clone();
    }

    /// <summary>The workflow as rendered: itself when rendering changed nothing, else the prompt parsed (drawn seeds).</summary>
    private static Workflow Rendered(Workflow workflow, JsonElement prompt) =>
        workflow.HasRandomSeeds ? Workflow.Parse(prompt) : workflow;

    /// <summary>The nodes that will run or come from the cache: everything upstream of the outputs that will execute.</summary>
    private static HashSet<string> ExpectedNodes(JsonElement prompt, NodeSchemaCatalog? catalog, IReadOnlyList<string>? roots)
    {
        var all = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in prompt.EnumerateObject())
        {
            all.Add(node.Name);
        }

        if (roots is null)
        {
            if (catalog is null)
            {
                return all;
            }

            var outputs = new List<string>();
            foreach (var node in prompt.EnumerateObject())
            {
                if (Workflow.ClassTypeOf(node.Value) is { } classType && catalog.TryGetNode(classType, out var info) && info.OutputNode)
                {
                    outputs.Add(node.Name);
                }
            }

            roots = outputs;
        }

        // Loops, not LINQ: this runs once per job, and every LINQ operator on the path is code the runtime compiles again
        // once it is hot ("Whole-process cost" in docs/benchmarks.md).
        var expected = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        for (var i = 0; i < roots.Count; i++)
        {
            if (all.Contains(roots[i]))
            {
                stack.Push(roots[i]);
            }
        }

        while (stack.TryPop(out var id))
        {
            if (!expected.Add(id) || !prompt.TryGetProperty(id, out var node) || Workflow.InputsOf(node) is not { } inputs)
            {
                continue;
            }

            foreach (var input in inputs.EnumerateObject())
            {
                if (input.Value.ValueKind == JsonValueKind.Array && input.Value.GetArrayLength() == 2 &&
                    input.Value[0].ValueKind == JsonValueKind.String && input.Value[0].GetString() is { } source && all.Contains(source))
                {
                    stack.Push(source);
                }
            }
        }

        return expected.Count == 0 ? all : expected;
    }
}

/// <summary>A submission ready to post, and the nodes expected to run or come from the cache.</summary>
internal sealed record PreparedPrompt(PromptRequest Request, HashSet<string> ExpectedNodes);
