using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text;

namespace Mupdate.Configuration;

/// <summary>
/// Reads imapd.conf files with the syntax of Cyrus 3.6.
/// </summary>
/// <remarks>
/// <para>
/// Each line is <c>key: value</c>. Leading whitespace is skipped, and empty lines and lines whose first
/// non-space character is <c>#</c> are skipped. There are no trailing comments. A line whose last byte before
/// the LF is a backslash continues on the next line: the backslash and the LF are removed and nothing is
/// inserted. This happens before the comment check, and with CRLF line endings a backslash before the CR does
/// not continue the line.
/// </para>
/// <para>
/// A key is an optional <c>@</c> and then ASCII letters, digits, <c>_</c> and <c>-</c>, folded to lower case and
/// followed directly by <c>:</c>. Whitespace around the value is removed, and an empty value is an error.
/// <c>@include: path</c> reads another file at that point. As in Cyrus, a relative include path resolves
/// against the process's working directory, not against the directory of the including file. Every key,
/// known or not, may be set only once across the main file and all included files.
/// </para>
/// </remarks>
public static class ImapdConfigReader
{
    /// <summary>The service name used when <see cref="ServiceEnvironmentVariable"/> is unset or empty.</summary>
    public const string DefaultServiceName = "mupdate";

    /// <summary>The environment variable in which Cyrus master(8) passes the service name from cyrus.conf.</summary>
    public const string ServiceEnvironmentVariable = "CYRUS_SERVICE";

    // The maximum number of levels of included files below the main file. Includes are read recursively, and
    // among regular files the included-twice check ends every cycle, because each include path comes from a
    // file's text. A pipe or device that returns new text on each read could still nest without end, until a
    // StackOverflowException, which .NET cannot catch, killed the process without a message. The limit is far
    // above any real nesting depth.
    internal const int MaxIncludeDepth = 32;

    // A configuration file is a few kilobytes. The limit turns a mistaken include of a log file or a device
    // such as /dev/zero into an error instead of exhausting memory.
    internal const int MaxFileBytes = 16 * 1024 * 1024;

    private static readonly UTF8Encoding StrictUtf8 =
        new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Reads <paramref name="path"/> and its includes for the service named in
    /// <see cref="ServiceEnvironmentVariable"/>.
    /// </summary>
    /// <exception cref="ConfigurationException">A file cannot be read or contains a syntax error.</exception>
    public static ImapdConfig ReadFile(string path) => ReadFile(path, ServiceNameFromEnvironment());

    /// <summary>Reads <paramref name="path"/> and its includes for the service <paramref name="serviceName"/>.</summary>
    /// <param name="path">The main file. A relative path resolves against the working directory.</param>
    /// <param name="serviceName">The service whose <c>service_option</c> overrides apply; empty means the default.</param>
    /// <exception cref="ConfigurationException">A file cannot be read or contains a syntax error.</exception>
    public static ImapdConfig ReadFile(string path, string serviceName)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(serviceName);

        byte[] content = ReadBytes(
            path,
            (reason, inner) => new ConfigurationException(
                path, $"cannot read the configuration file: {reason}{WorkingDirectoryHint(path)}", inner));

        var state = new ReadState();
        state.MarkRead(path, "as the main configuration file");
        ParseContent(content, path, depth: 0, state);
        return new ImapdConfig(path, ResolveServiceName(serviceName), state.Entries);
    }

    /// <summary>
    /// Parses configuration text that did not come from a file, for tests and embedding. Any
    /// <c>@include</c> in it still reads real files.
    /// </summary>
    /// <param name="text">The configuration text.</param>
    /// <param name="sourceName">The name that error messages and <see cref="ConfigEntry.File"/> use.</param>
    /// <param name="serviceName">The service whose <c>service_option</c> overrides apply; empty means the default.</param>
    /// <exception cref="ConfigurationException">The text or an included file contains a syntax error.</exception>
    public static ImapdConfig ReadText(string text, string sourceName, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrEmpty(sourceName);
        ArgumentNullException.ThrowIfNull(serviceName);

        var state = new ReadState();
        state.MarkRead(sourceName, "as the main configuration text");
        ParseContent(Encoding.UTF8.GetBytes(text), sourceName, depth: 0, state);
        return new ImapdConfig(sourceName, ResolveServiceName(serviceName), state.Entries);
    }

    /// <summary>Returns the service name from <see cref="ServiceEnvironmentVariable"/>, or the default.</summary>
    public static string ServiceNameFromEnvironment() =>
        ResolveServiceName(Environment.GetEnvironmentVariable(ServiceEnvironmentVariable));

    internal static string ResolveServiceName(string? value) =>
        string.IsNullOrEmpty(value) ? DefaultServiceName : value;

    // Splits the content into logical lines, joining a line that ends in a backslash with the next one.
    private static void ParseContent(ReadOnlySpan<byte> content, string file, int depth, ReadState state)
    {
        var logicalLine = new List<byte>();
        bool continuing = false;
        int physicalLine = 0;
        int startLine = 1;
        int position = 0;

        while (position < content.Length)
        {
            ReadOnlySpan<byte> rest = content[position..];
            int newline = rest.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = newline >= 0 ? rest[..newline] : rest;
            position += newline >= 0 ? newline + 1 : rest.Length;
            physicalLine++;

            if (!continuing)
            {
                startLine = physicalLine;
            }

            if (newline >= 0 && line.Length > 0 && line[^1] == (byte)'\\')
            {
                logicalLine.AddRange(line[..^1]);
                continuing = true;
                continue;
            }

            logicalLine.AddRange(line);
            continuing = false;
            ParseLine(CollectionsMarshal.AsSpan(logicalLine), file, startLine, depth, state);
            logicalLine.Clear();
        }

        // The file ended right after a backslash and LF: the joined text is still a line.
        if (continuing)
        {
            ParseLine(CollectionsMarshal.AsSpan(logicalLine), file, startLine, depth, state);
        }
    }

    private static void ParseLine(ReadOnlySpan<byte> bytes, string file, int line, int depth, ReadState state)
    {
        string text = Decode(bytes);
        int position = 0;
        while (position < text.Length && IsSpace(text[position]))
        {
            position++;
        }

        if (position == text.Length || text[position] == '#')
        {
            return;
        }

        if (text.Contains('\0', StringComparison.Ordinal))
        {
            throw new ConfigurationException(file, line, "the line contains a NUL byte; remove it");
        }

        int keyStart = position;
        if (text[position] == '@')
        {
            position++;
        }

        while (position < text.Length && IsKeyCharacter(text[position]))
        {
            position++;
        }

        if (position == text.Length || text[position] != ':')
        {
            throw new ConfigurationException(file, line, DescribeInvalidName(text, keyStart, position, line));
        }

        string key = text[keyStart..position].ToLowerInvariant();
        string value = TrimSpace(text.AsSpan(position + 1));
        if (value.Length == 0)
        {
            throw new ConfigurationException(
                file, line, $"empty value for option '{key}'; write a value after the ':' or remove the line");
        }

        if (key.StartsWith('@'))
        {
            ReadDirective(key[1..], value, file, line, depth, state);
            return;
        }

        state.Add(new ConfigEntry(key, value, file, line));
    }

    private static void ReadDirective(string directive, string value, string file, int line, int depth, ReadState state)
    {
        if (directive != "include")
        {
            throw new ConfigurationException(
                file, line, $"invalid directive '@{directive}'; the only directive is @include");
        }

        if (state.TryGetFirstRead(value, out string? firstRead))
        {
            throw new ConfigurationException(
                file, line, $"configuration file '{value}' included twice: it was already read {firstRead}; "
                    + "remove this @include");
        }

        if (depth + 1 > MaxIncludeDepth)
        {
            throw new ConfigurationException(
                file, line, $"@include nested more than {MaxIncludeDepth} levels deep; include the files from "
                    + "fewer levels");
        }

        byte[] content = ReadBytes(
            value,
            (reason, inner) => new ConfigurationException(
                file, line, $"cannot read included file '{value}': {reason}{IncludeHint(value)}", inner));

        state.MarkRead(value, $"from {file}:{line}");
        ParseContent(content, value, depth + 1, state);
    }

    private static byte[] ReadBytes(string path, Func<string, Exception?, ConfigurationException> fail)
    {
        if (Directory.Exists(path))
        {
            throw fail("it is a directory, not a file", null);
        }

        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var memory = new MemoryStream();
            var buffer = new byte[64 * 1024];
            int count;
            while ((count = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (memory.Length + count > MaxFileBytes)
                {
                    throw fail($"the file is larger than {MaxFileBytes / (1024 * 1024)} MiB", null);
                }

                memory.Write(buffer, 0, count);
            }

            return memory.ToArray();
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw fail("file not found", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw fail("permission denied", ex);
        }
        catch (IOException ex)
        {
            throw fail(ex.Message, ex);
        }
    }

    private static string WorkingDirectoryHint(string path) =>
        Path.IsPathRooted(path)
            ? ""
            : $" (a relative path resolves against the working directory {Environment.CurrentDirectory})";

    private static string IncludeHint(string path) =>
        Path.IsPathRooted(path)
            ? ""
            : $" (a relative @include path resolves against the working directory {Environment.CurrentDirectory}, "
                + "not against the directory of the including file)";

    // Values are normally UTF-8. Cyrus treats them as bytes, so a line that is not valid UTF-8 (a Latin-1
    // comment or password, say) must not stop the server, and it is decoded byte for byte as Latin-1 instead.
    private static string Decode(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Encoding.Latin1.GetString(bytes);
        }
    }

    private static string DescribeInvalidName(string text, int keyStart, int position, int line)
    {
        string name = MessageText.Shorten(text[keyStart..position]);
        const string Allowed = "option names contain only letters, digits, '_' and '-'";

        if (position == text.Length)
        {
            return $"invalid option name '{name}': there is no ':' after the name; write 'name: value'";
        }

        char found = text[position];
        if (IsSpace(found))
        {
            return $"invalid option name '{name}': whitespace before the ':'; write '{name}: value' "
                + "with the colon directly after the name";
        }

        if (found == '\uFEFF' && line == 1 && position == 0)
        {
            return "invalid option name: the file starts with a byte order mark (BOM), which Cyrus does not "
                + "accept either; save the file without it";
        }

        string character = MessageText.DescribeCharacter(found);
        return position == keyStart
            ? $"invalid option name: the line starts with {character}, but {Allowed}"
            : $"invalid option name '{name}': {character} is not allowed there, because {Allowed}";
    }

    private static bool IsKeyCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-';

    // The C isspace() set in the C locale, which Cyrus uses.
    internal static bool IsSpace(char c) => c is ' ' or '\t' or '\n' or '\v' or '\f' or '\r';

    private static string TrimSpace(ReadOnlySpan<char> text)
    {
        int start = 0;
        int end = text.Length;
        while (start < end && IsSpace(text[start]))
        {
            start++;
        }

        while (end > start && IsSpace(text[end - 1]))
        {
            end--;
        }

        return text[start..end].ToString();
    }

    private sealed class ReadState
    {
        private readonly Dictionary<string, ConfigEntry> _entriesByKey = new(StringComparer.Ordinal);
        private readonly Dictionary<string, string> _readFiles = new(StringComparer.Ordinal);

        public List<ConfigEntry> Entries { get; } = [];

        public void Add(ConfigEntry entry)
        {
            if (_entriesByKey.TryGetValue(entry.Key, out ConfigEntry? first))
            {
                throw new ConfigurationException(
                    entry.File, entry.Line, $"option '{entry.Key}' is set twice: first at {first.Location} and "
                        + "again here; remove one of the two lines");
            }

            _entriesByKey.Add(entry.Key, entry);
            Entries.Add(entry);
        }

        public void MarkRead(string path, string where) => _readFiles.Add(path, where);

        public bool TryGetFirstRead(string path, [NotNullWhen(true)] out string? where) =>
            _readFiles.TryGetValue(path, out where);
    }
}
