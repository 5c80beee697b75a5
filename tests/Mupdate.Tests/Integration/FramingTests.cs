namespace Mupdate.Tests.Integration;

/// <summary>Command framing over a real connection: pipelining, case, line ends and syntax errors.</summary>
public sealed class FramingTests
{
    [Fact(Timeout = 10_000)]
    public async Task PipelinedCommandsAnsweredInOrder()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();

        var pipeline = string.Concat(Enumerable.Range(0, 50).Select(i => (i % 3) switch
        {
            0 => $"A{i} ACTIVATE \"user.p{i}\" \"be1!p\" \"\"\r\n",
            1 => $"F{i} FIND \"user.p{i - 1}\"\r\n",
            _ => $"N{i} NOOP\r\n",
        }));
        await connection.SendAsync(pipeline + "L1 LIST\r\n");
        var answers = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            if (i % 3 == 1)
            {
                answers.Add((await connection.ReadResponseAsync()).Text);
            }

            answers.Add((await connection.ReadResponseAsync()).Text);
        }

        var list = await connection.ReadUntilTaggedStatusAsync("L1");
        var expected = new List<string>();
        for (var i = 0; i < 50; i++)
        {
            switch (i % 3)
            {
                case 0:
                    expected.Add($"A{i} OK \"done\"\r\n");
                    break;
                case 1:
                    expected.Add($"F{i} MAILBOX \"user.p{i - 1}\" \"be1!p\" \"\"\r\n");
                    expected.Add($"F{i} OK \"Search completed\"\r\n");
                    break;
                default:
                    expected.Add($"N{i} OK \"Noop done\"\r\n");
                    break;
            }
        }

        Assert.Equal(expected, answers);
        Assert.Equal(18, list.Count);
    }

    [Theory(Timeout = 10_000)]
    [InlineData("a nOoP", "a OK \"Noop done\"")]
    [InlineData("f find \"x\"", "f OK \"Search completed\"")]
    [InlineData("l List", "l OK \"list complete\"")]
    [InlineData("Zz9 NOOP", "Zz9 OK \"Noop done\"")]
    [InlineData("d delete \"x\"", "d NO \"mailbox doesn't exist\"")]
    public async Task CommandWordsIgnoreCase(string command, string answer)
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();

        await connection.SendAsync(command + "\r\n");

        Assert.Equal(answer, await connection.ReadLineAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task LowerCaseLoginWorks()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();
        var plain = TestServer.PlainResponse(TestServer.AdminUser, TestServer.AdminPassword);

        await connection.SendAsync($"a authenticate \"plain\" \"{plain}\"\r\n");

        Assert.Equal("a OK \"Authenticated\"", await connection.ReadLineAsync());
    }

    [Theory(Timeout = 10_000)]
    [InlineData("c SELECT \"INBOX\"", "c BAD \"Unrecognized command\"")]
    [InlineData("c STARTTLS", "c BAD \"Unrecognized command\"")]
    [InlineData("c FIND", "c BAD \"Missing arguments\"")]
    [InlineData("c FIND \"a\" \"b\"", "c BAD \"Extra arguments\"")]
    [InlineData("c NOOP x", "c BAD \"Extra arguments\"")]
    [InlineData("c FIND atom", "c BAD \"expected a quoted string or a literal\"")]
    [InlineData("c  NOOP", "c BAD \"Null command\"")]
    [InlineData("c", "* BAD \"Need command\"")]
    [InlineData("", "* BAD \"Need command\"")]
    [InlineData("c UPDATE \"\"", "c BAD \"Badly formed arguments\"")]
    public async Task MalformedCommandIsBad(string command, string answer)
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();

        await connection.SendAsync(command + "\r\nN1 NOOP\r\n");

        Assert.Equal(answer, await connection.ReadLineAsync());
        Assert.Equal("N1 OK \"Noop done\"", await connection.ReadLineAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task EmptyLineIsUntaggedBad()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.ConnectRawAsync();

        await connection.SendAsync("\r\n");

        Assert.Equal("* BAD \"Need command\"\r\n", (await connection.ReadResponseAsync()).Text);
    }

    [Fact(Timeout = 10_000)]
    public async Task BareLineFeedEndsCommand()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();

        await connection.SendAsync("A1 ACTIVATE \"user.lf\" \"be1!p\" \"\"\nF1 FIND {7+}\nuser.lf\n");

        Assert.Equal("A1 OK \"done\"", await connection.ReadLineAsync());
        Assert.Equal("F1 MAILBOX \"user.lf\" \"be1!p\" \"\"", await connection.ReadLineAsync());
        Assert.Equal("F1 OK \"Search completed\"", await connection.ReadLineAsync());
    }

    [Fact(Timeout = 10_000)]
    public async Task CommandSplitAcrossWritesIsParsed()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();
        var command = "A1 ACTIVATE {7+}\r\nuser.sp \"be1!p\" \"x\tlrs\t\"\r\n";

        foreach (var character in command)
        {
            await connection.SendAsync(character.ToString());
        }

        Assert.Equal("A1 OK \"done\"", await connection.ReadLineAsync());
        Assert.Equal("x\tlrs\t", server.Store.Find("user.sp")?.Acl);
    }

    [Fact(Timeout = 10_000)]
    public async Task LogoutSaysByeAndCloses()
    {
        await using var server = await TestServer.StartAsync();
        await using var connection = await server.LoginRawAsync();

        await connection.SendAsync("Q1 LOGOUT\r\nN1 NOOP\r\n");

        Assert.Equal("Q1 BYE \"bye-bye\"", await connection.ReadLineAsync());
        Assert.Empty(await connection.ReadToEndAsync());
    }
}
