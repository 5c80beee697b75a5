using Microsoft.Extensions.Logging.Abstractions;
using Mupdate.Hosting;
using Mupdate.Sasl;

namespace Mupdate.Tests.Hosting;

/// <summary>The help and usage texts, and their agreement with the README.</summary>
public sealed class HelpTextTests
{
    private const string LogLevels = "trace, debug, information (default), warning, error, critical or none";

    private static readonly string[] s_synopsis =
    [
        "mupdate [-C config-file] [-m] [-a] [--listen ADDRESS:PORT]... [--log-level LEVEL]",
        "mupdate passwd [-C config-file] [-f credential-file] [--iterations N] {add|change|set|delete} USER",
        "mupdate passwd [-C config-file] [-f credential-file] list",
        "mupdate example [DIRECTORY] [--listen ADDRESS:PORT]...",
        "mupdate --help | --version",
    ];

    [Fact]
    public void TextsEndWithNewline()
    {
        Assert.EndsWith("\n", HelpText.Full, StringComparison.Ordinal);
        Assert.EndsWith("\n", HelpText.Usage, StringComparison.Ordinal);
        Assert.EndsWith("\n", CredentialCommand.Usage, StringComparison.Ordinal);
        Assert.False(HelpText.Full.EndsWith("\n\n", StringComparison.Ordinal));
        Assert.False(CredentialCommand.Usage.EndsWith("\n\n", StringComparison.Ordinal));
    }

    [Fact]
    public void UsageAndHelpShareSynopsis()
    {
        var usageLines = HelpText.Usage.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Replace("usage: ", "", StringComparison.Ordinal).Trim())
            .ToArray();
        var helpSynopsis = Section(HelpText.Full, "SYNOPSIS", "DESCRIPTION");

        Assert.Equal(s_synopsis, usageLines);
        Assert.Equal(s_synopsis, helpSynopsis);
    }

    [Fact]
    public void ReadmeSynopsisMatchesHelp()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));

        foreach (var line in s_synopsis)
        {
            Assert.Contains("\n" + line + "\n", readme, StringComparison.Ordinal);
        }

        Assert.Contains(LogLevels, HelpText.Full, StringComparison.Ordinal);
        var readmeLevels =
            "| `--log-level LEVEL` | `trace`, `debug`, `information` (default), `warning`, `error`, `critical`, `none` |";
        Assert.Contains(readmeLevels, readme, StringComparison.Ordinal);
    }

    [Fact]
    public void PasswdHelpPlacesFileBeforeExitStatus()
    {
        var file = CredentialCommand.Usage.IndexOf("Where the file is:", StringComparison.Ordinal);
        var options = CredentialCommand.Usage.IndexOf("Options:", StringComparison.Ordinal);
        var exitStatus = CredentialCommand.Usage.IndexOf("Exit status:", StringComparison.Ordinal);

        Assert.True(file > 0, "the passwd help does not say where the file is");
        Assert.True(file < options, "\"Where the file is\" comes after \"Options\"");
        Assert.True(options < exitStatus, "\"Options\" comes after \"Exit status\"");
        Assert.Contains("-C and -f, -f wins", CredentialCommand.Usage, StringComparison.Ordinal);
        Assert.Contains("-f wins", HelpText.Full, StringComparison.Ordinal);
    }

    [Fact]
    public void HelpStatesPlainNeedsAllowPlaintext()
    {
        Assert.Contains("PLAIN, which is offered only with allowplaintext", HelpText.Full, StringComparison.Ordinal);
        Assert.Contains("0 or less", HelpText.Full, StringComparison.Ordinal);
        Assert.Contains("SIGQUIT", HelpText.Full, StringComparison.Ordinal);
        Assert.Contains("SIGHUP is logged and ignored", HelpText.Full, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    public async Task PasswdHelpPrintsUsageOnce(string option)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var console = new ProgramConsole(new StringReader(""), stdout, stderr, InputIsTerminal: false);

        var exit = await MupdateProgram.RunAsync(["passwd", option], console, _ => NullLoggerFactory.Instance);

        Assert.Equal(0, exit);
        Assert.Equal(CredentialCommand.Usage, stdout.ToString());
        Assert.Equal("", stderr.ToString());
    }

    [Fact]
    public async Task MainHelpPrintsFullText()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var console = new ProgramConsole(new StringReader(""), stdout, stderr, InputIsTerminal: false);

        var exit = await MupdateProgram.RunAsync(["--help"], console, _ => NullLoggerFactory.Instance);

        Assert.Equal(0, exit);
        Assert.Equal(HelpText.Full, stdout.ToString());
    }

    /// <summary>The trimmed, non-empty lines between two headings of the help text.</summary>
    private static string[] Section(string text, string heading, string nextHeading)
    {
        var start = text.IndexOf(heading + "\n", StringComparison.Ordinal) + heading.Length + 1;
        var end = text.IndexOf(nextHeading + "\n", start, StringComparison.Ordinal);
        return text[start..end].Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0).ToArray();
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Mupdate.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName
            ?? throw new DirectoryNotFoundException($"no Mupdate.slnx above {AppContext.BaseDirectory}");
    }
}
