using System.Buffers;
using Mupdate.Protocol;

namespace Mupdate.Server;

/// <summary>
/// Remembers where the last parse of an incomplete command stopped, so the session parses again
/// only when new input can change the result: the literal being read is complete, or a new line
/// end arrived. Parsing after every read instead rescans the whole command each time, and a client
/// that sends a long command a byte at a time could then make the server do quadratic work.
/// </summary>
internal sealed class IncompleteCommand
{
    private long _parsedLength;
    private int _resumeLength;

    public void Record(ParseResult outcome, long bufferLength)
    {
        if (outcome.Status == ParseStatus.Incomplete)
        {
            _parsedLength = bufferLength;
            _resumeLength = outcome.ResumeLength;
        }
        else
        {
            _parsedLength = 0;
            _resumeLength = 0;
        }
    }

    public bool ShouldParse(ReadOnlySequence<byte> buffer, int maxCommand)
    {
        if (_parsedLength == 0 || buffer.Length < _parsedLength || buffer.Length > maxCommand)
        {
            // Nothing parsed yet, input consumed elsewhere, or past the limit: the parser decides.
            return true;
        }

        if (_resumeLength > 0)
        {
            return buffer.Length >= _resumeLength;
        }

        return buffer.Slice(_parsedLength).PositionOf((byte)'\n') is not null;
    }
}
