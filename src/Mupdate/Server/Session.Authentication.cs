using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Mupdate.Protocol;
using Mupdate.Sasl;

namespace Mupdate.Server;

internal sealed partial class Session
{
    /// <summary>
    /// The longest SASL response line read during AUTHENTICATE. Cyrus 3.6 reads up to 21848 bytes,
    /// so every response a Cyrus client sends fits.
    /// </summary>
    private const int MaxSaslLine = 21848;

    /// <summary>
    /// AUTHENTICATE (RFC 3656 section 4.2). Challenges and responses are bare base64 lines with no
    /// prefix, a response of <c>*</c> cancels, and a mechanism's final server message (SCRAM's
    /// <c>v=</c>) goes out as one more challenge, answered by an empty line. A failure is answered
    /// after <c>failedloginpause</c>, which delays this session only.
    /// </summary>
    private async Task AuthenticateAsync(Command command)
    {
        var policy = _context.LoginPolicy;
        var mechanismName = command.Argument(0).ToUpperInvariant();
        if (!IsMechanismName(mechanismName))
        {
            await FailLoginAsync(command.Tag, mechanismName, null, "invalid SASL mechanism name").ConfigureAwait(false);
            return;
        }

        var mechanism = policy.CreateMechanism(mechanismName, out var refusal);
        if (mechanism is null)
        {
            await FailLoginAsync(command.Tag, mechanismName, null, refusal!).ConfigureAwait(false);
            return;
        }

        var hasInitial = command.Arguments.Count > 1;
        var initial = Array.Empty<byte>();
        if (hasInitial && !TryDecodeInitialResponse(command.Argument(1), out initial))
        {
            await FailLoginAsync(command.Tag, mechanismName, null, "initial response is not valid base64").ConfigureAwait(false);
            return;
        }

        var step = mechanism.Evaluate(initial, hasInitial);
        while (step.Kind == SaslStepKind.Continue)
        {
            var response = await ExchangeAsync(step.Challenge!).ConfigureAwait(false);
            if (response.Failure is { } failure)
            {
                await FailLoginAsync(command.Tag, mechanismName, mechanism.ClaimedUser, failure, pause: response.Canceled is false).ConfigureAwait(false);
                return;
            }

            step = mechanism.Evaluate(response.Data, true);
        }

        if (step.Kind == SaslStepKind.Failed)
        {
            await FailLoginAsync(command.Tag, mechanismName, mechanism.ClaimedUser, step.Message!).ConfigureAwait(false);
            return;
        }

        var identity = step.Identity!;
        if (step.AdditionalData is { } final)
        {
            var ack = await ExchangeAsync(final).ConfigureAwait(false);
            if (ack.Failure is { } failure)
            {
                await FailLoginAsync(command.Tag, mechanismName, identity.AuthenticationId, failure, pause: ack.Canceled is false).ConfigureAwait(false);
                return;
            }

            if (ack.Data.Length != 0)
            {
                await FailLoginAsync(command.Tag, mechanismName, identity.AuthenticationId, "unexpected data after the server's final message").ConfigureAwait(false);
                return;
            }
        }

        var user = policy.Authorize(identity, out refusal);
        if (user is null)
        {
            await FailLoginAsync(command.Tag, mechanismName, identity.AuthenticationId, refusal!).ConfigureAwait(false);
            return;
        }

        User = user;
        _state = SessionState.Authenticated;
        SessionLog.LoginSucceeded(_context.AuthLogger, Id, identity.AuthenticationId, user, mechanismName);
        ResponseWriter.WriteStatus(_output, command.Tag, ResponseStatus.Ok, WireText.Authenticated);
    }

    /// <summary>RFC 4422 section 3.1: 1 to 20 characters of A-Z, 0-9, '-' and '_'.</summary>
    private static bool IsMechanismName(string name) =>
        name.Length is > 0 and <= 20 && !name.AsSpan().ContainsAnyExcept(MechanismNameCharacters);

    private static readonly System.Buffers.SearchValues<char> MechanismNameCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");

    private static bool TryDecodeInitialResponse(string text, out byte[] data)
    {
        // Cyrus clients send an empty initial response as "=" (RFC 4959 uses the same convention).
        if (text == "=")
        {
            data = [];
            return true;
        }

        return TryDecodeBase64(text, out data);
    }

    private static bool TryDecodeBase64(string text, out byte[] data)
    {
        var buffer = new byte[(text.Length * 3 / 4) + 3];
        if (Convert.TryFromBase64String(text, buffer, out var written))
        {
            data = buffer.AsSpan(0, written).ToArray();
            return true;
        }

        data = [];
        return false;
    }

    private async Task FailLoginAsync(string tag, string mechanism, string? user, string reason, bool pause = true)
    {
        SessionLog.LoginFailed(_context.AuthLogger, Id, user, mechanism, reason);
        if (pause && Options.FailedLoginPause > TimeSpan.Zero)
        {
            await FlushAsync().ConfigureAwait(false);
            await Task.Delay(Options.FailedLoginPause, _context.Time, _closed.Token).ConfigureAwait(false);
        }

        ResponseWriter.WriteStatus(_output, tag, ResponseStatus.No, reason);
    }

    /// <summary>Sends one challenge line and reads the client's response line.</summary>
    private async Task<SaslResponse> ExchangeAsync(byte[] challenge)
    {
        _output.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(challenge)));
        _output.Write("\r\n"u8);
        await FlushAsync().ConfigureAwait(false);

        var line = await ReadSaslLineAsync().ConfigureAwait(false);
        if (line is null)
        {
            return SaslResponse.Fail($"SASL response longer than {MaxSaslLine} bytes");
        }

        if (line == "*")
        {
            return new SaslResponse([], "authentication canceled by client", Canceled: true);
        }

        return TryDecodeBase64(line, out var data)
            ? new SaslResponse(data, null, Canceled: false)
            : SaslResponse.Fail("SASL response is not valid base64");
    }

    /// <summary>Reads one line (CRLF or LF) of at most <see cref="MaxSaslLine"/> bytes; null when longer.</summary>
    private async Task<string?> ReadSaslLineAsync()
    {
        // Bytes already searched for the line end, so a line sent a byte at a time is scanned once.
        long searched = 0;
        while (true)
        {
            ReadResult result;
            try
            {
                _readTimeout.CancelAfter(CurrentReadTimeout());
                result = await _input.ReadAsync(_readCancellation.Token).ConfigureAwait(false);
                StopReadTimeout();
            }
            catch (OperationCanceledException) when (!_closed.IsCancellationRequested)
            {
                throw new SessionAbortException(WireText.LoginTimeout);
            }
            catch (OperationCanceledException) when (_shuttingDown)
            {
                throw new SessionAbortException(WireText.ShuttingDown);
            }

            var buffer = result.Buffer;
            var lf = buffer.Slice(Math.Min(searched, buffer.Length)).PositionOf((byte)'\n');
            if (lf is { } end)
            {
                var lineBytes = buffer.Slice(0, end);
                var line = lineBytes.Length <= MaxSaslLine ? Encoding.ASCII.GetString(lineBytes).TrimEnd('\r') : null;
                _input.AdvanceTo(buffer.GetPosition(1, end));
                return line;
            }

            if (buffer.Length > MaxSaslLine)
            {
                _input.AdvanceTo(buffer.End);
                throw new SessionAbortException($"SASL response longer than {MaxSaslLine} bytes");
            }

            searched = buffer.Length;
            _input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new IOException("connection closed during authentication");
            }
        }
    }

    private readonly record struct SaslResponse(byte[] Data, string? Failure, bool Canceled)
    {
        public static SaslResponse Fail(string reason) => new([], reason, Canceled: false);
    }
}
