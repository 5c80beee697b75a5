using System.Runtime.Versioning;

namespace Mupdate.Tests.Sasl;

/// <summary>A private temporary directory that is deleted with its content on dispose.</summary>
[UnsupportedOSPlatform("windows")]
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("mupdate-sasl-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Writes <paramref name="content"/> to <paramref name="name"/> with the given Unix mode.</summary>
    public string Write(string name, string content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        string path = File(name);
        System.IO.File.WriteAllText(path, content);
        System.IO.File.SetUnixFileMode(path, mode);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>A clock that moves only when a test advances it.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private DateTimeOffset _now = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan delta) => _now += delta;
}
