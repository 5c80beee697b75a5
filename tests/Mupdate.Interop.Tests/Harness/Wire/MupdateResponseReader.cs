using System.Text;

namespace Mupdate.Interop.Tests.Harness.Wire;

/// <summary>
/// Reads MUPDATE responses from a byte stream, following literals: a line ending in
/// <c>{n}</c> or <c>{n+}</c> is followed by n raw bytes, after which the same response goes on.
/// Test-only and lenient: it trusts the peer and only guards against unbounded input.
/// </summary>
public sealed class MupdateResponseReader
{
    private const int MaxLineBytes = 1 << 20;
    private const int MaxLiteralBytes = 16 << 20;

    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public MupdateResponseReader(Stream stream)
    {
        _stream = stream;
    }

    /// <summary>Reads one response, or returns null at a clean end of stream.</summary>
    public async Task<MupdateResponse?> ReadAsync(CancellationToken cancellationToken)
    {
        var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (line is null)
        {
            return null;
        }

        var position = 0;
        var tag = ReadAtom(line, ref position);
        SkipSpaces(line, ref position);
        var keyword = ReadAtom(line, ref position).ToUpperInvariant();
        var arguments = new List<string>();
        while (true)
        {
            SkipSpaces(line, ref position);
            if (position >= line.Length)
            {
                break;
            }

            if (line[position] == '"')
            {
                arguments.Add(ReadQuoted(line, ref position));
            }
            else if (TryReadLiteralLength(line, position, out var length))
            {
                arguments.Add(await ReadLiteralAsync(length, cancellationToken).ConfigureAwait(false));
                line = await ReadLineAsync(cancellationToken).ConfigureAwait(false)
                    ?? throw new EndOfStreamException("stream ended right after a literal");
                position = 0;
            }
            else
            {
                arguments.Add(ReadAtom(line, ref position));
            }
        }

        return new MupdateResponse(tag, keyword, arguments);
    }

    /// <summary>Reads one CRLF- or LF-terminated line without its terminator, or null at end of stream.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new MemoryStream();
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                line.Write(_buffer, _start, newline - _start);
                _start = newline + 1;
                return TrimCarriageReturn(Encoding.UTF8.GetString(line.GetBuffer(), 0, (int)line.Length));
            }

            line.Write(_buffer, _start, _end - _start);
            if (line.Length > MaxLineBytes)
            {
                throw new InvalidDataException($"response line longer than {MaxLineBytes} bytes");
            }

            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                if (line.Length == 0)
                {
                    return null;
                }

                throw new EndOfStreamException("stream ended inside a line");
            }
        }
    }

    private async Task<string> ReadLiteralAsync(int length, CancellationToken cancellationToken)
    {
        if (length > MaxLiteralBytes)
        {
            throw new InvalidDataException($"literal of {length} bytes is over the test limit of {MaxLiteralBytes}");
        }

        var bytes = new byte[length];
        var copied = 0;
        while (copied < length)
        {
            if (_start == _end && !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new EndOfStreamException($"stream ended inside a literal of {length} bytes");
            }

            var chunk = Math.Min(length - copied, _end - _start);
            Array.Copy(_buffer, _start, bytes, copied, chunk);
            _start += chunk;
            copied += chunk;
        }

        return Encoding.UTF8.GetString(bytes);
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        _start = 0;
        _end = 0;
        var read = await _stream.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
        _end = read;
        return read > 0;
    }

    private static bool TryReadLiteralLength(string line, int position, out int length)
    {
        length = 0;
        if (line[position] != '{' || line[^1] != '}')
        {
            return false;
        }

        var digits = line[(position + 1)..^1].TrimEnd('+');
        return digits.Length > 0 && digits.All(char.IsAsciiDigit) && int.TryParse(digits, out length);
    }

    private static string ReadQuoted(string line, ref int position)
    {
        var value = new StringBuilder();
        position++;
        while (position < line.Length && line[position] != '"')
        {
            if (line[position] == '\\' && position + 1 < line.Length)
            {
                position++;
            }

            value.Append(line[position]);
            position++;
        }

        if (position >= line.Length)
        {
            throw new InvalidDataException($"unterminated quoted string in: {line}");
        }

        position++;
        return value.ToString();
    }

    private static string ReadAtom(string line, ref int position)
    {
        var begin = position;
        while (position < line.Length && line[position] != ' ')
        {
            position++;
        }

        return line[begin..position];
    }

    private static void SkipSpaces(string line, ref int position)
    {
        while (position < line.Length && line[position] == ' ')
        {
            position++;
        }
    }

    private static string TrimCarriageReturn(string line) => line.EndsWith('\r') ? line[..^1] : line;
}
