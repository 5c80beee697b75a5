namespace Mupdate.Interop.Tests.Harness;

/// <summary>Chooses and starts the master under test from the environment.</summary>
public static class MasterUnderTest
{
    /// <summary><c>ours</c> (the default) or <c>cyrus</c>.</summary>
    public const string SelectVariable = "MUPDATE_INTEROP_MASTER";

    /// <summary>Starts the master named by <c>MUPDATE_INTEROP_MASTER</c>: <c>ours</c> unless set to <c>cyrus</c>.</summary>
    public static async Task<IMasterUnderTest> StartAsync(CancellationToken cancellationToken)
    {
        var selected = Environment.GetEnvironmentVariable(SelectVariable) is { Length: > 0 } value
            ? value.Trim().ToLowerInvariant()
            : "ours";
        return selected switch
        {
            "ours" => await OurMaster.StartAsync(cancellationToken).ConfigureAwait(false),
            "cyrus" => await CyrusMasterUnderTest.StartAsync(cancellationToken).ConfigureAwait(false),
            _ => throw new ArgumentException($"{SelectVariable}='{selected}' is invalid; use 'ours' or 'cyrus'"),
        };
    }
}
