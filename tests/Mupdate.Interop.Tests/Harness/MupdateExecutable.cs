using System.Reflection;

namespace Mupdate.Interop.Tests.Harness;

/// <summary>
/// The built <c>mupdate</c> program (src/Mupdate.Cli, <c>mupdate.dll</c>), run with the dotnet host
/// that runs the tests: as a short tool run with a timeout, or as a long-running child process.
/// </summary>
public static class MupdateExecutable
{
    /// <summary>
    /// The built server: <c>REPO/src/Mupdate.Cli/bin/CONFIGURATION/net10.0/mupdate.dll</c>, where
    /// REPO is the nearest directory above the test assembly holding Mupdate.slnx and
    /// CONFIGURATION is the one this test assembly was built with.
    /// </summary>
    public static string AssemblyPath
    {
        get
        {
            var configuration = typeof(MupdateExecutable).Assembly
                .GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
            return Path.Combine(
                FindRepositoryRoot(), "src", "Mupdate.Cli", "bin", configuration, "net10.0", "mupdate.dll");
        }
    }

    /// <summary>The dotnet executable that runs the tests (set by the test host), else dotnet on PATH.</summary>
    public static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path
        ? path
        : "dotnet";

    /// <summary>Returns <see cref="AssemblyPath"/>, or throws when the server is not built.</summary>
    public static string RequireBuilt()
    {
        var dll = AssemblyPath;
        return File.Exists(dll)
            ? dll
            : throw new FileNotFoundException($"our server is not built: {dll} is missing (run dotnet build)", dll);
    }

    /// <summary>
    /// Runs <c>dotnet mupdate.dll ARGUMENTS</c> to completion with <paramref name="stdin"/> (nothing
    /// when null). On timeout that process gets SIGKILL and a <see cref="TimeoutException"/> carries
    /// its output.
    /// </summary>
    public static Task<ToolResult> RunAsync(
        IReadOnlyList<string> arguments, string? stdin, TimeSpan timeout, CancellationToken cancellationToken) =>
        ToolRunner.RunAsync(DotnetHost, [RequireBuilt(), .. arguments], stdin, timeout, cancellationToken);

    /// <summary>
    /// Like <see cref="RunAsync"/>, but as user cyrus, group mail (through setpriv(1)), for start-up checks
    /// that root would pass because file modes do not stop it.
    /// </summary>
    public static Task<ToolResult> RunAsCyrusAsync(
        IReadOnlyList<string> arguments, string? stdin, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var (fileName, cyrusArguments) = ToolRunner.AsCyrus(DotnetHost, [RequireBuilt(), .. arguments]);
        return ToolRunner.RunAsync(fileName, cyrusArguments, stdin, timeout, cancellationToken);
    }

    /// <summary>
    /// Starts <c>dotnet mupdate.dll ARGUMENTS</c> as a child process in the test host's process
    /// group. Its stdout and stderr are kept and also appended to <paramref name="outputLogPath"/>.
    /// </summary>
    public static ChildProcess Start(IReadOnlyList<string> arguments, string workingDirectory, string? outputLogPath) =>
        ChildProcess.Start(
            DotnetHost,
            [RequireBuilt(), .. arguments],
            newProcessGroup: false,
            workingDirectory: workingDirectory,
            outputLogPath: outputLogPath);

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Mupdate.slnx")))
            {
                return directory.FullName;
            }

            directory = directory.Parent;
        }

        throw new DirectoryNotFoundException($"no Mupdate.slnx in any directory above {AppContext.BaseDirectory}");
    }
}
