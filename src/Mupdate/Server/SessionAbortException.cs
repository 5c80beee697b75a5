namespace Mupdate.Server;

/// <summary>
/// Ends a session from deep inside a command: the session loop catches it, sends
/// <c>* BYE "&lt;message&gt;"</c> and closes the connection.
/// </summary>
internal sealed class SessionAbortException(string message) : Exception(message);
