namespace Mupdate.Interop.Tests.Harness;

/// <summary>A component whose logs and state belong in the message of a failed interop test.</summary>
public interface IDiagnosticsSource
{
    /// <summary>Collects the logs (tails of them) and the state worth reading when a test failed.</summary>
    string CollectDiagnostics();
}
