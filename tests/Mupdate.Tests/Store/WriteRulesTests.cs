using Mupdate.Protocol;
using Mupdate.Store;

namespace Mupdate.Tests.Store;

public class WriteRulesTests
{
    private static readonly MailboxRecord ActiveBe1 = MailboxRecord.Active("user.x", "be1!p", "x\tlrs\t");
    private static readonly MailboxRecord ReservedBe1 = MailboxRecord.Reserved("user.x", "be1!p");

    [Fact]
    public void ActivateCreatesMissingName()
    {
        var decision = WriteRules.Decide(WriteRequest.Activate("user.x", "be1!p", "x\tlrs\t"), null);

        Assert.True(decision.Changes);
        Assert.Equal(ActiveBe1, decision.NewRecord);
    }

    [Fact]
    public void ActivateReplacesLocationAndAcl()
    {
        var decision = WriteRules.Decide(WriteRequest.Activate("user.x", "be2!q", ""), ActiveBe1);

        Assert.True(decision.Changes);
        Assert.Equal(MailboxRecord.Active("user.x", "be2!q", ""), decision.NewRecord);
    }

    [Fact]
    public void IdenticalActivateChangesNothing()
    {
        var decision = WriteRules.Decide(WriteRequest.Activate("user.x", "be1!p", "x\tlrs\t"), ActiveBe1);

        Assert.False(decision.Changes);
        Assert.Equal(WriteStatus.Unchanged, decision.Result.Status);
    }

    [Fact]
    public void ReserveOfFreeName()
    {
        var decision = WriteRules.Decide(WriteRequest.Reserve("user.x", "be1!p"), null);

        Assert.Equal(ReservedBe1, decision.NewRecord);
    }

    [Fact]
    public void ReserveNeverDemotesActiveMailbox()
    {
        var decision = WriteRules.Decide(WriteRequest.Reserve("user.x", "be1!p"), ActiveBe1);

        Assert.False(decision.Changes);
        Assert.Equal(WriteStatus.Rejected, decision.Result.Status);
        Assert.Equal(WireText.MailboxAlreadyExists, decision.Result.Reason);
    }

    [Fact]
    public void RepeatedReserveAtSameLocationIsAccepted()
    {
        var decision = WriteRules.Decide(WriteRequest.Reserve("user.x", "be1!p"), ReservedBe1);

        Assert.False(decision.Changes);
        Assert.Equal(WriteStatus.Unchanged, decision.Result.Status);
    }

    [Fact]
    public void ReserveHeldElsewhereIsRejected()
    {
        var decision = WriteRules.Decide(WriteRequest.Reserve("user.x", "be2!p"), ReservedBe1);

        Assert.Equal(WireText.MailboxAlreadyExists, decision.Result.Reason);
    }

    [Fact]
    public void DeactivateMakesReservationAtGivenLocation()
    {
        var decision = WriteRules.Decide(WriteRequest.Deactivate("user.x", "be2!q"), ActiveBe1);

        Assert.Equal(MailboxRecord.Reserved("user.x", "be2!q"), decision.NewRecord);
    }

    [Fact]
    public void DeactivateOfMissingName()
    {
        var decision = WriteRules.Decide(WriteRequest.Deactivate("user.x", "be1!p"), null);

        Assert.Equal(WireText.MailboxDoesNotExist, decision.Result.Reason);
    }

    [Fact]
    public void DeactivateOfReservation()
    {
        var decision = WriteRules.Decide(WriteRequest.Deactivate("user.x", "be1!p"), ReservedBe1);

        Assert.Equal(WireText.MailboxNotActive, decision.Result.Reason);
    }

    [Fact]
    public void DeleteOfMissingName()
    {
        var decision = WriteRules.Decide(WriteRequest.Delete("user.x"), null);

        Assert.False(decision.Changes);
        Assert.Equal(WireText.MailboxDoesNotExist, decision.Result.Reason);
    }

    [Fact]
    public void DeleteOfExistingName()
    {
        var decision = WriteRules.Decide(WriteRequest.Delete("user.x"), ReservedBe1);

        Assert.True(decision.Changes);
        Assert.Null(decision.NewRecord);
    }

    [Fact]
    public void ReplicaPutAndRemove()
    {
        var put = WriteRules.Decide(WriteRequest.Put(ReservedBe1), ActiveBe1);
        var removeMissing = WriteRules.Decide(WriteRequest.Remove("user.x"), null);

        Assert.Equal(ReservedBe1, put.NewRecord);
        Assert.Equal(WriteStatus.Unchanged, removeMissing.Result.Status);
    }
}
