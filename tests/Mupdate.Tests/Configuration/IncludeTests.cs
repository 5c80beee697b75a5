using Mupdate.Configuration;

namespace Mupdate.Tests.Configuration;

public sealed class IncludeTests : IDisposable
{
    private readonly TempConfigDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static ImapdConfig Read(string path) => ImapdConfigReader.ReadFile(path, "mupdate");

    private static ConfigurationException ReadError(string path) =>
        Assert.Throws<ConfigurationException>(() => Read(path));

    [Fact]
    public void IncludedEntriesReadInPlace()
    {
        string included = _directory.Write("included.conf", "# included\nmiddle: 2\n");
        string main = _directory.Write("imapd.conf", $"first: 1\n@include: {included}\nlast: 3\n");

        ImapdConfig config = Read(main);

        Assert.Equal(["first", "middle", "last"], config.Entries.Select(entry => entry.Key));
        Assert.Equal($"{included}:2", config.Entries[1].Location);
        Assert.Equal($"{main}:3", config.Entries[2].Location);
    }

    [Fact]
    public void DirectiveNameCaseInsensitive()
    {
        string included = _directory.Write("included.conf", "foo: bar\n");
        string main = _directory.Write("imapd.conf", $"@INCLUDE: {included}\n");

        Assert.Equal("bar", Assert.Single(Read(main).Entries).Value);
    }

    [Fact]
    public void IncludesNest()
    {
        string third = _directory.Write("c.conf", "c: 3\n");
        string second = _directory.Write("b.conf", $"b: 2\n@include: {third}\n");
        string main = _directory.Write("imapd.conf", $"@include: {second}\na: 1\n");

        ImapdConfig config = Read(main);

        Assert.Equal(["b", "c", "a"], config.Entries.Select(entry => entry.Key));
        Assert.Equal(third, config.Entries[1].File);
        Assert.Equal(1, config.Entries[1].Line);
    }

    [Fact]
    public void RelativeIncludeUsesWorkingDirectory()
    {
        string included = _directory.Write("sub/included.conf", "foo: bar\n");
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, included);
        string main = _directory.Write("imapd.conf", $"@include: {relative}\n");

        ConfigEntry entry = Assert.Single(Read(main).Entries);

        Assert.Equal("bar", entry.Value);
        Assert.Equal(relative, entry.File);
    }

    [Fact]
    public void RelativeIncludeIgnoresIncludingFileDirectory()
    {
        string name = $"beside-{Guid.NewGuid():N}.conf";
        _directory.Write(name, "foo: bar\n");
        string main = _directory.Write("imapd.conf", $"# first\n@include: {name}\n");

        ConfigurationException error = ReadError(main);

        Assert.Equal(
            $"{main}:2: cannot read included file '{name}': file not found (a relative @include path resolves "
                + $"against the working directory {Environment.CurrentDirectory}, not against the directory of "
                + "the including file)",
            error.Message);
    }

    [Fact]
    public void MissingAbsoluteIncludeRejected()
    {
        string missing = Path.Combine(_directory.Root, "missing.conf");
        string main = _directory.Write("imapd.conf", $"@include: {missing}\n");

        ConfigurationException error = ReadError(main);

        Assert.Equal($"{main}:1: cannot read included file '{missing}': file not found", error.Message);
        Assert.IsType<FileNotFoundException>(error.InnerException);
        Assert.Equal(main, error.File);
        Assert.Equal(1, error.Line);
    }

    [Fact]
    public void DirectoryIncludeRejected()
    {
        string main = _directory.Write("imapd.conf", $"@include: {_directory.Root}\n");

        ConfigurationException error = ReadError(main);

        Assert.Equal(
            $"{main}:1: cannot read included file '{_directory.Root}': it is a directory, not a file", error.Message);
    }

    [Fact]
    public void OversizedIncludeRejected()
    {
        string large = _directory.WriteBytes("large.log", new byte[ImapdConfigReader.MaxFileBytes + 1]);
        string main = _directory.Write("imapd.conf", $"@include: {large}\n");

        ConfigurationException error = ReadError(main);

        Assert.Equal($"{main}:1: cannot read included file '{large}': the file is larger than 16 MiB", error.Message);
    }

    [Fact]
    public void SameFileIncludedTwiceRejected()
    {
        string included = _directory.Write("included.conf", "# nothing\n");
        string main = _directory.Write("imapd.conf", $"@include: {included}\n@include: {included}\n");

        ConfigurationException error = ReadError(main);

        Assert.Equal(
            $"{main}:2: configuration file '{included}' included twice: it was already read from {main}:1; "
                + "remove this @include",
            error.Message);
    }

    [Fact]
    public void MainFileIncludedRejected()
    {
        string main = Path.Combine(_directory.Root, "imapd.conf");
        _directory.Write("imapd.conf", $"@include: {main}\n");

        ConfigurationException error = ReadError(main);

        Assert.Equal(
            $"{main}:1: configuration file '{main}' included twice: it was already read as the main "
                + "configuration file; remove this @include",
            error.Message);
    }

    [Fact]
    public void IncludeCycleRejected()
    {
        string first = Path.Combine(_directory.Root, "a.conf");
        string second = _directory.Write("b.conf", $"@include: {first}\n");
        _directory.Write("a.conf", $"@include: {second}\n");

        ConfigurationException error = ReadError(first);

        Assert.StartsWith($"{second}:1: configuration file '{first}' included twice", error.Message);
    }

    [Fact]
    public void DifferentSpellingIsDifferentFile()
    {
        // Cyrus compares the path strings, so a second spelling of one file is read again.
        string included = _directory.Write("included.conf", "# only a comment\n");
        string other = Path.Combine(_directory.Root, ".", "included.conf");
        string main = _directory.Write("imapd.conf", $"@include: {included}\n@include: {other}\nfoo: bar\n");

        Assert.Equal("bar", Assert.Single(Read(main).Entries).Value);
    }

    [Fact]
    public void NestingLimitAllowsMaximumDepth()
    {
        // The main file and MaxIncludeDepth files nested below it.
        string main = WriteChain(ImapdConfigReader.MaxIncludeDepth + 1);

        Assert.Equal(ImapdConfigReader.MaxIncludeDepth + 1, Read(main).Entries.Count);
    }

    [Fact]
    public void NestingBeyondLimitRejected()
    {
        string main = WriteChain(ImapdConfigReader.MaxIncludeDepth + 2);
        string deepest = Path.Combine(_directory.Root, $"level{ImapdConfigReader.MaxIncludeDepth + 1}.conf");

        ConfigurationException error = ReadError(main);

        Assert.StartsWith(
            $"{deepest}:2: @include nested more than {ImapdConfigReader.MaxIncludeDepth} levels deep", error.Message);
    }

    [Fact]
    public void DuplicateAcrossIncludesNamesBothPlaces()
    {
        string included = _directory.Write("included.conf", "# included\nadmins: b\n");
        string main = _directory.Write("imapd.conf", $"admins: a\n@include: {included}\n");

        ConfigurationException error = ReadError(main);

        Assert.Equal(
            $"{included}:2: option 'admins' is set twice: first at {main}:1 and again here; "
                + "remove one of the two lines",
            error.Message);
    }

    [Fact]
    public void DuplicateInEarlierIncludeNamesIncludedFile()
    {
        string included = _directory.Write("included.conf", "sasl_pwcheck_method: auxprop\n");
        string main = _directory.Write("imapd.conf", $"@include: {included}\n# gap\nsasl_pwcheck_method: saslauthd\n");

        ConfigurationException error = ReadError(main);

        Assert.StartsWith(
            $"{main}:3: option 'sasl_pwcheck_method' is set twice: first at {included}:1", error.Message);
    }

    [Fact]
    public void SyntaxErrorInIncludeNamesIncludedFile()
    {
        string included = _directory.Write("included.conf", "\n\nbad line\n");
        string main = _directory.Write("imapd.conf", $"@include: {included}\n");

        ConfigurationException error = ReadError(main);

        Assert.StartsWith($"{included}:3: invalid option name 'bad'", error.Message);
    }

    // Writes level1.conf to levelN.conf, each including the next and setting one key, and returns level1.conf.
    private string WriteChain(int levels)
    {
        for (int level = levels; level >= 1; level--)
        {
            string next = Path.Combine(_directory.Root, $"level{level + 1}.conf");
            string include = level < levels ? $"@include: {next}\n" : "";
            _directory.Write($"level{level}.conf", $"key{level}: {level}\n{include}");
        }

        return Path.Combine(_directory.Root, "level1.conf");
    }
}
