namespace Strangler.Testing;

/// <summary>Waits for a condition by polling it with a deadline: synchronisation without sleeps.</summary>
public static class Eventually
{
    /// <summary>Polls <paramref name="condition"/> until true; TimeoutException naming <paramref name="what"/> after <paramref name="timeoutMs"/>.</summary>
    public static async Task TrueAsync(Func<Task<bool>> condition, string what, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        var delay = 5;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {timeoutMs} ms waiting for {what}.");
            }

            await Task.Delay(delay);
            delay = Math.Min(100, delay * 2);
        }
    }
}
