namespace Mupdate.Interop.Tests.Harness;

/// <summary>
/// A start that runs in the background while the test goes on, tracked from the moment it begins.
/// DisposeAsync cancels the start if it is still running and disposes what it returned, so a test
/// that fails before it awaits <see cref="Task"/> leaves no process behind.
/// </summary>
public sealed class PendingStart<T> : IAsyncDisposable, IDiagnosticsSource
    where T : IAsyncDisposable
{
    private readonly CancellationTokenSource _cancel;

    public PendingStart(Func<CancellationToken, Task<T>> start, CancellationToken cancellationToken)
    {
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task = start(_cancel.Token);
    }

    public Task<T> Task { get; }

    public string CollectDiagnostics() => Task.IsCompletedSuccessfully && Task.Result is IDiagnosticsSource source
        ? source.CollectDiagnostics()
        : $"(start not finished: {Task.Status})";

    public async ValueTask DisposeAsync()
    {
        await _cancel.CancelAsync().ConfigureAwait(false);
        T resource;
        try
        {
            resource = await Task.ConfigureAwait(false);
        }
        catch (Exception ex)
            when (ex is OperationCanceledException or TimeoutException or InvalidOperationException or IOException)
        {
            // A start that failed or was cancelled has already stopped what it started.
            return;
        }
        finally
        {
            _cancel.Dispose();
        }

        await resource.DisposeAsync().ConfigureAwait(false);
    }
}
