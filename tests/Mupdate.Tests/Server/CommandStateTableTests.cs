using Mupdate.Protocol;
using Mupdate.Server;

namespace Mupdate.Tests.Server;

public class CommandStateTableTests
{
    public static TheoryData<SessionState, bool, CommandKind, ResponseStatus?, string?> Rules
    {
        get
        {
            var data = new TheoryData<SessionState, bool, CommandKind, ResponseStatus?, string?>();
            foreach (var readOnly in new[] { false, true })
            {
                foreach (var command in Enum.GetValues<CommandKind>())
                {
                    var allowed = command is CommandKind.Authenticate or CommandKind.Logout;
                    data.Add(SessionState.NotAuthenticated, readOnly, command,
                        allowed ? null : ResponseStatus.No, allowed ? null : WireText.PleaseLoginFirst);

                    var (authStatus, authText) = command switch
                    {
                        CommandKind.Authenticate => (ResponseStatus.Bad, WireText.AlreadyAuthenticated),
                        CommandKind.Activate or CommandKind.Deactivate or CommandKind.Delete or CommandKind.Reserve when readOnly
                            => (ResponseStatus.Bad, WireText.ReadOnlySession),
                        _ => ((ResponseStatus?)null, (string?)null),
                    };
                    data.Add(SessionState.Authenticated, readOnly, command, authStatus, authText);

                    var (streamStatus, streamText) = command switch
                    {
                        CommandKind.Noop or CommandKind.Logout => ((ResponseStatus?)null, (string?)null),
                        CommandKind.Authenticate => (ResponseStatus.Bad, WireText.AlreadyAuthenticated),
                        _ => (ResponseStatus.Bad, WireText.NotLegalWhenStreaming),
                    };
                    data.Add(SessionState.Streaming, readOnly, command, streamStatus, streamText);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Rules))]
    public void AppliesRule(SessionState state, bool readOnly, CommandKind command, ResponseStatus? status, string? text)
    {
        var rejection = CommandStateTable.Check(state, readOnly, command);

        Assert.Equal(status, rejection?.Status);
        Assert.Equal(text, rejection?.Text);
    }

    [Fact]
    public void TableCoversEveryCombination()
    {
        var expected = 3 * 2 * Enum.GetValues<CommandKind>().Length;

        Assert.Equal(expected, Rules.Count);
    }
}
