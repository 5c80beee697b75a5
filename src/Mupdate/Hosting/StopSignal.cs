using System.Runtime.InteropServices;

namespace Mupdate.Hosting;

/// <summary>
/// Completes on the first SIGTERM, SIGINT (Ctrl+C) or SIGQUIT (on which Cyrus 3.6 master(8) shuts down too), and
/// reports SIGHUP to a callback instead of letting it kill the process, because Cyrus administrators and logrotate
/// send HUP routinely, expecting a reload.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly TaskCompletionSource<string> _signal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Action _hangUp;
    private readonly PosixSignalRegistration[] _registrations;

    /// <summary>Registers the handlers. <paramref name="hangUp"/> runs on a thread-pool thread for each SIGHUP.</summary>
    public StopSignal(Action hangUp)
    {
        _hangUp = hangUp;
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop),
            PosixSignalRegistration.Create(PosixSignal.SIGQUIT, Stop),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, HangUp),
        ];
    }

    /// <summary>Completes with the name of the first stop signal, such as "SIGTERM".</summary>
    public Task<string> WaitAsync() => _signal.Task;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }
    }

    private void Stop(PosixSignalContext context)
    {
        // Cancel the runtime's default handling (exit at once) so the server can send BYE first.
        context.Cancel = true;
        _signal.TrySetResult(context.Signal.ToString());
    }

    private void HangUp(PosixSignalContext context)
    {
        context.Cancel = true;
        _hangUp();
    }
}
