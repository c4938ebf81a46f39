namespace ComfyUI.Reactive.Redis;

/// <summary>
/// Redis could not be reached: when a <see cref="RedisComfyPool"/> connected (the message names the endpoints, never a
/// password), or by a call that needs an answer now (enqueue, cancel, status). Background work does not throw: the pool
/// pauses and resumes (see <c>docs/distributed.md</c>).
/// </summary>
public sealed class ComfyRedisUnavailableException : ComfyException
{
    /// <summary>Creates the exception.</summary>
    public ComfyRedisUnavailableException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public ComfyRedisUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause (the Redis client's connection error).</param>
    public ComfyRedisUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc />
    public override bool IsTransient => true;
}
