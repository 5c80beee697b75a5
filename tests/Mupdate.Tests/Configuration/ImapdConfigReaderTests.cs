using System.Text;
using Mupdate.Configuration;

namespace Mupdate.Tests.Configuration;

public sealed class ImapdConfigReaderTests : IDisposable
{
    private readonly TempConfigDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private string ConfigPath => Path.Combine(_directory.Root, "imapd.conf");

    private static ConfigEntry Single(ImapdConfig config) => Assert.Single(config.Entries);

    [Fact]
    public void KeysFoldedValuesKept()
    {
        ImapdConfig config = _directory.Read("Foo: Bar\nBaz_Q-1: Value X\n");

        Assert.Equal(2, config.Entries.Count);
        Assert.Equal("foo", config.Entries[0].Key);
        Assert.Equal("Bar", config.Entries[0].Value);
        Assert.Equal("baz_q-1", config.Entries[1].Key);
        Assert.Equal("Value X", config.Entries[1].Value);
    }

    [Fact]
    public void EntryRecordsFileAndLine()
    {
        ImapdConfig config = _directory.Read("# header\n\nfoo: bar\n");

        ConfigEntry entry = Single(config);
        Assert.Equal(ConfigPath, entry.File);
        Assert.Equal(3, entry.Line);
        Assert.Equal($"{ConfigPath}:3", entry.Location);
        Assert.Equal(ConfigPath, config.ConfigFile);
    }

    [Fact]
    public void LeadingWhitespaceSkipped()
    {
        ConfigEntry entry = Single(_directory.Read(" \t\v\ffoo: bar\n"));

        Assert.Equal("foo", entry.Key);
        Assert.Equal("bar", entry.Value);
    }

    [Fact]
    public void CommentsAndBlankLinesSkipped()
    {
        ImapdConfig config = _directory.Read("# comment\n   # indented comment\n\n   \n\t\n#admins: x\nfoo: bar\n");

        ConfigEntry entry = Single(config);
        Assert.Equal("foo", entry.Key);
        Assert.Equal(7, entry.Line);
    }

    [Fact]
    public void HashInsideValueIsNotComment()
    {
        Assert.Equal("bar # x", Single(_directory.Read("foo: bar # x\n")).Value);
    }

    [Theory]
    [InlineData("foo:bar", "bar")]
    [InlineData("foo:   bar baz \t ", "bar baz")]
    [InlineData("foo:\tbar\r", "bar")]
    [InlineData("foo: a:b: c", "a:b: c")]
    public void ValueWhitespaceTrimmed(string line, string expected)
    {
        Assert.Equal(expected, Single(_directory.Read(line + "\n")).Value);
    }

    [Fact]
    public void LastLineWithoutNewlineRead()
    {
        Assert.Equal("bar", Single(_directory.Read("foo: bar")).Value);
    }

    [Fact]
    public void ContinuationJoinsLines()
    {
        ImapdConfig config = _directory.Read("foo: one\\\ntwo\nbar: x\n");

        Assert.Equal("onetwo", config.Entries[0].Value);
        Assert.Equal(1, config.Entries[0].Line);
        Assert.Equal("bar", config.Entries[1].Key);
        Assert.Equal(3, config.Entries[1].Line);
    }

    [Fact]
    public void ContinuationKeepsNextLineIndent()
    {
        Assert.Equal("a  b", Single(_directory.Read("foo: a\\\n  b\n")).Value);
    }

    [Fact]
    public void ContinuationOverSeveralLines()
    {
        ImapdConfig config = _directory.Read("foo: a\\\nb\\\nc\nbar: d\n");

        Assert.Equal("abc", config.Entries[0].Value);
        Assert.Equal(4, config.Entries[1].Line);
    }

    [Fact]
    public void ContinuationAppliesBeforeCommentCheck()
    {
        ImapdConfig config = _directory.Read("# comment \\\nfoo: bar\nbaz: qux\n");

        ConfigEntry entry = Single(config);
        Assert.Equal("baz", entry.Key);
    }

    [Fact]
    public void ContinuationOntoCommentLine()
    {
        Assert.Equal("a# b", Single(_directory.Read("foo: a\\\n# b\n")).Value);
    }

    [Fact]
    public void ContinuationSplitsKey()
    {
        ConfigEntry entry = Single(_directory.Read("adm\\\nins: cyrus\n"));

        Assert.Equal("admins", entry.Key);
        Assert.Equal("cyrus", entry.Value);
    }

    [Fact]
    public void ContinuationAtEndOfFile()
    {
        Assert.Equal("a", Single(_directory.Read("foo: a\\\n")).Value);
    }

    [Fact]
    public void BackslashAtEndWithoutNewlineKept()
    {
        Assert.Equal("a\\", Single(_directory.Read("foo: a\\")).Value);
    }

    [Fact]
    public void CrlfBackslashDoesNotJoin()
    {
        ImapdConfig config = _directory.Read("foo: a\\\r\nbar: b\r\n");

        Assert.Equal(2, config.Entries.Count);
        Assert.Equal("a\\", config.Entries[0].Value);
        Assert.Equal("b", config.Entries[1].Value);
        Assert.Equal(2, config.Entries[1].Line);
    }

    [Fact]
    public void CrlfValuesTrimmed()
    {
        ImapdConfig config = _directory.Read("# comment\r\nfoo: bar\r\n\r\nbaz: qux \r\n");

        Assert.Equal("bar", config.Entries[0].Value);
        Assert.Equal("qux", config.Entries[1].Value);
        Assert.Equal(4, config.Entries[1].Line);
    }

    [Theory]
    [InlineData("foo : bar", "invalid option name 'foo': whitespace before the ':'")]
    [InlineData("foo\t: bar", "invalid option name 'foo': whitespace before the ':'")]
    [InlineData("foo.bar: x", "invalid option name 'foo': '.' is not allowed there")]
    [InlineData("foo", "invalid option name 'foo': there is no ':' after the name")]
    [InlineData("foo=bar", "invalid option name 'foo': '=' is not allowed there")]
    [InlineData("fo%o: x", "invalid option name 'fo': '%' is not allowed there")]
    [InlineData("=x: y", "invalid option name: the line starts with '='")]
    [InlineData("@@include: x", "invalid option name '@': '@' is not allowed there")]
    [InlineData("f\u00f6o: x", "invalid option name 'f': '\u00f6' is not allowed there")]
    [InlineData("fo\u0001o: x", "invalid option name 'fo': the character U+0001 is not allowed there")]
    public void InvalidOptionNameRejected(string line, string expected)
    {
        ConfigurationException error = _directory.ReadError("admins: cyrus\n" + line + "\n");

        Assert.StartsWith($"{ConfigPath}:2: {expected}", error.Message);
        Assert.Equal(ConfigPath, error.File);
        Assert.Equal(2, error.Line);
    }

    [Fact]
    public void EmptyKeyAcceptedLikeCyrus()
    {
        ConfigEntry entry = Single(_directory.Read(": value\n"));

        Assert.Equal("", entry.Key);
        Assert.Equal("value", entry.Value);
    }

    [Fact]
    public void ByteOrderMarkRejected()
    {
        byte[] content = [0xEF, 0xBB, 0xBF, .. Encoding.ASCII.GetBytes("foo: bar\n")];
        string path = _directory.WriteBytes("imapd.conf", content);

        var error = Assert.Throws<ConfigurationException>(() => ImapdConfigReader.ReadFile(path, "mupdate"));

        Assert.StartsWith($"{path}:1: invalid option name: the file starts with a byte order mark", error.Message);
    }

    [Theory]
    [InlineData("foo:")]
    [InlineData("foo:   \t")]
    [InlineData("foo: \r")]
    [InlineData("@include:")]
    public void EmptyValueRejected(string line)
    {
        ConfigurationException error = _directory.ReadError("# first\n" + line + "\n");

        string key = line[..line.IndexOf(':', StringComparison.Ordinal)];
        Assert.Equal(
            $"{ConfigPath}:2: empty value for option '{key}'; write a value after the ':' or remove the line",
            error.Message);
    }

    [Fact]
    public void NulByteRejected()
    {
        string path = _directory.WriteBytes("imapd.conf", Encoding.ASCII.GetBytes("foo: a\0b\n"));

        var error = Assert.Throws<ConfigurationException>(() => ImapdConfigReader.ReadFile(path, "mupdate"));

        Assert.Equal($"{path}:1: the line contains a NUL byte; remove it", error.Message);
    }

    [Fact]
    public void Utf8ValueDecoded()
    {
        Assert.Equal("caf\u00e9 \u2713", Single(_directory.Read("foo: caf\u00e9 \u2713\n")).Value);
    }

    [Fact]
    public void InvalidUtf8DecodedAsLatin1()
    {
        string path = _directory.WriteBytes("imapd.conf", [.. Encoding.ASCII.GetBytes("foo: caf"), 0xE9, (byte)'\n']);

        ImapdConfig config = ImapdConfigReader.ReadFile(path, "mupdate");

        Assert.Equal("caf\u00e9", Single(config).Value);
    }

    [Fact]
    public void DuplicateKnownKeyRejected()
    {
        ConfigurationException error = _directory.ReadError("admins: a\n# gap\nadmins: b\n");

        Assert.Equal(
            $"{ConfigPath}:3: option 'admins' is set twice: first at {ConfigPath}:1 and again here; "
                + "remove one of the two lines",
            error.Message);
    }

    [Fact]
    public void DuplicateUnknownKeyRejected()
    {
        ConfigurationException error = _directory.ReadError("partition-default: /a\npartition-default: /b\n");

        Assert.StartsWith(
            $"{ConfigPath}:2: option 'partition-default' is set twice: first at {ConfigPath}:1", error.Message);
    }

    [Fact]
    public void DuplicateKeyDifferentCaseRejected()
    {
        ConfigurationException error = _directory.ReadError("AllowPlaintext: yes\nallowplaintext: no\n");

        Assert.StartsWith($"{ConfigPath}:2: option 'allowplaintext' is set twice", error.Message);
    }

    [Fact]
    public void ServiceSpecificKeySetTwiceRejected()
    {
        ConfigurationException error = _directory.ReadError("mupdate_admins: a\nadmins: b\nmupdate_admins: c\n");

        Assert.StartsWith(
            $"{ConfigPath}:3: option 'mupdate_admins' is set twice: first at {ConfigPath}:1", error.Message);
    }

    [Theory]
    [InlineData("@foo: bar", "invalid directive '@foo'; the only directive is @include")]
    [InlineData("@: bar", "invalid directive '@'; the only directive is @include")]
    [InlineData("@includes: bar", "invalid directive '@includes'; the only directive is @include")]
    public void InvalidDirectiveRejected(string line, string expected)
    {
        ConfigurationException error = _directory.ReadError(line + "\n");

        Assert.Equal($"{ConfigPath}:1: {expected}", error.Message);
    }

    [Fact]
    public void MissingMainFileNamed()
    {
        string path = Path.Combine(_directory.Root, "absent.conf");

        var error = Assert.Throws<ConfigurationException>(() => ImapdConfigReader.ReadFile(path, "mupdate"));

        Assert.Equal($"{path}: cannot read the configuration file: file not found", error.Message);
        Assert.Equal(path, error.File);
        Assert.Null(error.Line);
        Assert.IsType<FileNotFoundException>(error.InnerException);
    }

    [Fact]
    public void MissingRelativeMainFileNamesWorkingDirectory()
    {
        string path = $"absent-{Guid.NewGuid():N}.conf";

        var error = Assert.Throws<ConfigurationException>(() => ImapdConfigReader.ReadFile(path, "mupdate"));

        Assert.Equal(
            $"{path}: cannot read the configuration file: file not found (a relative path resolves against the "
                + $"working directory {Environment.CurrentDirectory})",
            error.Message);
    }

    [Fact]
    public void DirectoryAsMainFileRejected()
    {
        var error = Assert.Throws<ConfigurationException>(
            () => ImapdConfigReader.ReadFile(_directory.Root, "mupdate"));

        Assert.Equal(
            $"{_directory.Root}: cannot read the configuration file: it is a directory, not a file", error.Message);
    }

    [Fact]
    public void ReadTextUsesSourceName()
    {
        ImapdConfig config = ImapdConfigReader.ReadText("# c\nfoo: bar\n", "inline", "mupdate");

        ConfigEntry entry = Single(config);
        Assert.Equal("inline:2", entry.Location);
        Assert.Equal("inline", config.ConfigFile);
    }

    [Fact]
    public void ReadTextErrorsUseSourceName()
    {
        var error = Assert.Throws<ConfigurationException>(
            () => ImapdConfigReader.ReadText("foo : bar\n", "inline", "mupdate"));

        Assert.StartsWith("inline:1: invalid option name 'foo'", error.Message);
    }

    [Fact]
    public void EntryToStringOmitsValue()
    {
        ConfigEntry entry = Single(_directory.Read("mupdate_password: s3cret\n"));

        Assert.Equal($"mupdate_password at {ConfigPath}:1", entry.ToString());
    }

    [Fact]
    public void LongNameShortenedInMessage()
    {
        string name = new('a', 200);

        ConfigurationException error = _directory.ReadError(name + " : x\n");

        Assert.Contains($"'{new string('a', 80)}...'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(new string('a', 81), error.Message, StringComparison.Ordinal);
    }
}
