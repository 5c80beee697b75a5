namespace Mupdate.Interop.Tests.Harness;

/// <summary>Waits for a condition that a running process makes true a little later.</summary>
public static class Poll
{
    private static readonly TimeSpan s_interval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Checks <paramref name="condition"/> every 100 ms and fails the test, naming
    /// <paramref name="expected"/>, when it is still false after <paramref name="timeout"/>.
    /// </summary>
    public static async Task UntilAsync(
        Func<Task<bool>> condition, string expected, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition().ConfigureAwait(false))
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within {timeout.TotalSeconds:F0} s: {expected}");
            await Task.Delay(s_interval, cancellationToken).ConfigureAwait(false);
        }
    }

    public static Task UntilAsync(
        Func<bool> condition, string expected, TimeSpan timeout, CancellationToken cancellationToken) =>
        UntilAsync(() => Task.FromResult(condition()), expected, timeout, cancellationToken);
}
