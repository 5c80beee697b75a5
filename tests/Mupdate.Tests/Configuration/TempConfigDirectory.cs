using System.Text;
using Mupdate.Configuration;

namespace Mupdate.Tests.Configuration;

/// <summary>A temporary directory for configuration files, deleted on dispose.</summary>
internal sealed class TempConfigDirectory : IDisposable
{
    public TempConfigDirectory()
    {
        Root = Directory.CreateTempSubdirectory("mupdate-config-test-").FullName;
    }

    /// <summary>The absolute path of the directory.</summary>
    public string Root { get; }

    /// <summary>Writes <paramref name="content"/> as UTF-8 without a byte order mark and returns the file's path.</summary>
    public string Write(string name, string content) => WriteBytes(name, Encoding.UTF8.GetBytes(content));

    /// <summary>Writes <paramref name="content"/> byte for byte and returns the file's absolute path.</summary>
    public string WriteBytes(string name, byte[] content)
    {
        string path = Path.Combine(Root, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>Writes imapd.conf with <paramref name="content"/> and reads it for the service mupdate.</summary>
    public ImapdConfig Read(string content) => ImapdConfigReader.ReadFile(Write("imapd.conf", content), "mupdate");

    /// <summary>Writes imapd.conf with <paramref name="content"/> and returns the error that reading it raises.</summary>
    public ConfigurationException ReadError(string content) =>
        Assert.Throws<ConfigurationException>(() => Read(content));

    /// <summary>Writes imapd.conf with <paramref name="content"/> and loads the settings from it.</summary>
    public MupdateSettings Load(string content) => MupdateSettings.Load(Read(content));

    /// <summary>Writes imapd.conf with <paramref name="content"/> and returns the error that loading it raises.</summary>
    public ConfigurationException LoadError(string content) =>
        Assert.Throws<ConfigurationException>(() => Load(content));

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
