namespace ComfyUI.Reactive.Emulator.Nodes.Generic;

/// <summary>
/// Any node the emulator has no specific behaviour for: it runs by its declared output types (<see cref="GenericValues"/>),
/// reports sampler-style progress when it has steps, and, as an output node, writes real files and reports them in its
/// UI output like the real node (<see cref="GenericOutputs"/>).
/// </summary>
internal class GenericNode(NodeDefinition definition) : NodeBehavior
{
    public override string ClassType => definition.ClassType;

    protected NodeDefinition Definition => definition;

    public override async ValueTask<NodeResult> ExecuteAsync(NodeContext context)
    {
        var shape = Shape.From(context.Inputs);
        var steps = Steps(context);
        var stepTime = context.Options.SamplerStepTime;
        for (var i = 1; i <= steps; i++)
        {
            if (stepTime > TimeSpan.Zero)
            {
                await Task.Delay(stepTime, context.Cancellation).ConfigureAwait(false);
            }

            await context.Progress(i, steps, null).ConfigureAwait(false);
        }

        var outputs = new object?[definition.OutputTypes.Count];
        for (var slot = 0; slot < outputs.Length; slot++)
        {
            outputs[slot] = Produce(definition.OutputTypes[slot], context, shape);
        }

        var ui = definition.OutputNode ? GenericOutputs.Write(ClassType, context, shape) : null;
        return new NodeResult(outputs, ui);
    }

    /// <summary>One output value; loaders override this to return what they read from a file.</summary>
    protected virtual object? Produce(string type, NodeContext context, Shape shape) =>
        GenericValues.Create(type, ClassType, context.Inputs, shape);

    /// <summary>
    /// How many progress ticks the node sends: samplers (a LATENT result and an INT <c>steps</c> input, or a SIGMAS input
    /// made from one) tick once per step like ComfyUI's sampling callback; every other node sends none.
    /// </summary>
    private int Steps(NodeContext context)
    {
        if (!definition.OutputTypes.Contains("LATENT"))
        {
            return 0;
        }

        if (context.Inputs.TryGetValue("steps", out var s) && s is long steps)
        {
            return (int)Math.Clamp(steps, 0, 10_000);
        }

        return 0;
    }
}
