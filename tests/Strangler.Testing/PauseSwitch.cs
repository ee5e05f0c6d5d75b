namespace Strangler.Testing;

/// <summary>
/// Pauses load generators without spinning: writers await <see cref="WhileRunningAsync"/> before each request. (A
/// paused writer looping on Task.Yield starves in-process servers on two cores — Garnet's AOF commit then times out.)
/// </summary>
public sealed class PauseSwitch
{
    private readonly object _lock = new();
    private TaskCompletionSource _running = Running();

    public void Pause()
    {
        lock (_lock)
        {
            if (_running.Task.IsCompleted)
            {
                _running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    public void Resume()
    {
        lock (_lock)
        {
            _running.TrySetResult();
        }
    }

    /// <summary>Completes at once while running; while paused, when resumed.</summary>
    public Task WhileRunningAsync()
    {
        lock (_lock)
        {
            return _running.Task;
        }
    }

    private static TaskCompletionSource Running()
    {
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        running.SetResult();
        return running;
    }
}
