using Mupdate.Server;
using Mupdate.Store;

namespace Mupdate.Tests.Server;

public class RecordValidationTests
{
    [Theory]
    [InlineData("user.x")]
    [InlineData("user.john^doe.Sent Items")]
    [InlineData("example.com!user.x")]
    [InlineData("shared")]
    public void AcceptsCyrusNames(string name)
    {
        Assert.Null(RecordValidation.Check(WriteRequest.Activate(name, "be1!p", "a\tlrs\t")));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData(".user", "empty hierarchy part")]
    [InlineData("user.", "empty hierarchy part")]
    [InlineData("user..x", "empty hierarchy part")]
    [InlineData("example.com!", "empty hierarchy part")]
    [InlineData("!user.x", "empty hierarchy part")]
    [InlineData("example.com!.x", "empty hierarchy part")]
    [InlineData("user.a\u001fb", "control character")]
    [InlineData("user.a\tb", "control character")]
    public void RejectsInvalidName(string name, string reason)
    {
        var error = RecordValidation.Check(WriteRequest.Activate(name, "be1!p", ""));

        Assert.NotNull(error);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void AclMayCarryTabsOnly()
    {
        Assert.Null(RecordValidation.Check(WriteRequest.Activate("user.x", "be1!p", "x\tlrs\t")));
        Assert.NotNull(RecordValidation.Check(WriteRequest.Activate("user.x", "be1!p", "x\nlrs")));
    }

    [Fact]
    public void LocationMayNotCarryControls()
    {
        Assert.NotNull(RecordValidation.Check(WriteRequest.Reserve("user.x", "be1!p\r")));
    }
}
