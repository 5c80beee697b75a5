using Mupdate.Protocol;

namespace Mupdate.Tests.Protocol;

public class MailboxOrderTests
{
    [Fact]
    public void ChildrenSortBeforeSiblings()
    {
        string[] names = ["user.t.a-b", "user.t.a b", "user.t", "user.t.a.b", "user.t.a"];

        var sorted = names.Order(MailboxOrder.Comparer).ToArray();

        Assert.Equal(["user.t", "user.t.a", "user.t.a.b", "user.t.a b", "user.t.a-b"], sorted);
    }

    [Fact]
    public void OrderDiffersFromOrdinal()
    {
        Assert.True(string.CompareOrdinal("a-b", "a.b") < 0);
        Assert.True(MailboxOrder.Compare("a-b", "a.b") > 0);
    }

    [Fact]
    public void SortKeyMapsSeparators()
    {
        var key = System.Text.Encoding.UTF8.GetString(MailboxOrder.SortKey("user.t.a b"));

        Assert.Equal("user\u001Ft\u001Fa b", key);
    }

    [Fact]
    public void DomainKeepsItsDots()
    {
        var key = System.Text.Encoding.UTF8.GetString(MailboxOrder.SortKey("example.com!user.x.y"));

        Assert.Equal("example.com\u001Duser\u001Fx\u001Fy", key);
    }

    [Fact]
    public void DomainNamesSortByDomainFirst()
    {
        string[] names = ["user.z", "example.com!user.a", "a.b"];

        var sorted = names.Order(MailboxOrder.Comparer).ToArray();

        Assert.Equal(["a.b", "example.com!user.a", "user.z"], sorted);
    }

    [Fact]
    public void CaretSortsAsDotInsidePart()
    {
        // The order a Cyrus 3.6 backend's ctl_mboxlist -d lists these names in.
        string[] names = ["user.johnB", "user.john2", "user.john^doe.Sent", "user.john^doe", "user.john-x", "user.john", "user.joh"];

        var sorted = names.Order(MailboxOrder.Comparer).ToArray();

        Assert.Equal(["user.joh", "user.john", "user.john-x", "user.john^doe", "user.john^doe.Sent", "user.john2", "user.johnB"], sorted);
    }

    [Fact]
    public void CaretAndBackslashFollowCyrusOrder()
    {
        // Cyrus 3.6 master's LIST order for these names.
        string[] names = ["user.a\\b", "user.a^b.c", "user.a^b", "user.a-b"];

        var sorted = names.Order(MailboxOrder.Comparer).ToArray();

        Assert.Equal(["user.a-b", "user.a^b", "user.a^b.c", "user.a\\b"], sorted);
    }
}
