using Mupdate.Replication;

namespace Mupdate.Tests.Replication;

public sealed class KickQueueTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    [Fact(Timeout = 10_000)]
    public async Task ClosedQueueRejectsAtOnce()
    {
        var queue = new KickQueue(8);

        var kick = queue.KickAsync(CancellationToken.None);

        Assert.True(kick.IsCompleted);
        Assert.False(await kick);
        Assert.False(queue.HasWaiting);
    }

    [Fact(Timeout = 10_000)]
    public async Task KicksShareOneRound()
    {
        var queue = new KickQueue(8);
        queue.Open();
        var first = queue.KickAsync(CancellationToken.None);
        var second = queue.KickAsync(CancellationToken.None);
        Assert.True(queue.HasWaiting);

        queue.StartRound();
        Assert.False(queue.HasWaiting);
        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);

        queue.CompleteRound();

        Assert.True(await first.WaitAsync(Bound));
        Assert.True(await second.WaitAsync(Bound));
    }

    [Fact(Timeout = 10_000)]
    public async Task KickDuringRoundWaitsForNext()
    {
        var queue = new KickQueue(8);
        queue.Open();
        var early = queue.KickAsync(CancellationToken.None);
        queue.StartRound();
        var late = queue.KickAsync(CancellationToken.None);

        queue.CompleteRound();

        Assert.True(await early.WaitAsync(Bound));
        Assert.False(late.IsCompleted);
        Assert.True(queue.HasWaiting);

        queue.StartRound();
        queue.CompleteRound();

        Assert.True(await late.WaitAsync(Bound));
    }

    [Fact(Timeout = 10_000)]
    public async Task CloseFailsWaitingAndRound()
    {
        var queue = new KickQueue(8);
        queue.Open();
        var inRound = queue.KickAsync(CancellationToken.None);
        queue.StartRound();
        var waiting = queue.KickAsync(CancellationToken.None);

        queue.Close();

        Assert.False(await inRound.WaitAsync(Bound));
        Assert.False(await waiting.WaitAsync(Bound));
        Assert.False(queue.IsOpen);
        Assert.False(await queue.KickAsync(CancellationToken.None));
    }

    [Fact(Timeout = 10_000)]
    public async Task CompleteAfterCloseDoesNotResurrect()
    {
        var queue = new KickQueue(8);
        queue.Open();
        var kick = queue.KickAsync(CancellationToken.None);
        queue.StartRound();
        queue.Close();

        queue.CompleteRound();

        Assert.False(await kick.WaitAsync(Bound));
    }

    [Fact(Timeout = 10_000)]
    public async Task WaitersBoundCountsRoundAndWaiting()
    {
        var queue = new KickQueue(3);
        queue.Open();
        var inRound = queue.KickAsync(CancellationToken.None);
        queue.StartRound();
        var waitingOne = queue.KickAsync(CancellationToken.None);
        var waitingTwo = queue.KickAsync(CancellationToken.None);

        var overBound = queue.KickAsync(CancellationToken.None);

        Assert.True(overBound.IsCompleted);
        Assert.False(await overBound);
        Assert.False(inRound.IsCompleted);
        Assert.False(waitingOne.IsCompleted);
        Assert.False(waitingTwo.IsCompleted);

        queue.CompleteRound();
        Assert.True(await inRound.WaitAsync(Bound));

        var afterRound = queue.KickAsync(CancellationToken.None);
        Assert.False(afterRound.IsCompleted);
        queue.StartRound();
        queue.CompleteRound();

        Assert.True(await waitingOne.WaitAsync(Bound));
        Assert.True(await waitingTwo.WaitAsync(Bound));
        Assert.True(await afterRound.WaitAsync(Bound));
    }

    [Fact(Timeout = 10_000)]
    public async Task CancelledKickReturnsFalse()
    {
        var queue = new KickQueue(8);
        queue.Open();
        using var cancel = new CancellationTokenSource();
        var kick = queue.KickAsync(cancel.Token);

        await cancel.CancelAsync();

        Assert.False(await kick.WaitAsync(Bound));
    }

    [Fact(Timeout = 10_000)]
    public async Task CancelledKickFreesItsSlot()
    {
        var queue = new KickQueue(1);
        queue.Open();
        using var cancel = new CancellationTokenSource();
        var cancelled = queue.KickAsync(cancel.Token);
        await cancel.CancelAsync();
        Assert.False(await cancelled.WaitAsync(Bound));

        var next = queue.KickAsync(CancellationToken.None);

        Assert.False(next.IsCompleted, "a cancelled kick still counted against the waiter bound");
        queue.StartRound();
        queue.CompleteRound();
        Assert.True(await next.WaitAsync(Bound));
    }

    [Fact(Timeout = 10_000)]
    public async Task CancelledKickLeavesNothingWaiting()
    {
        var queue = new KickQueue(8);
        queue.Open();
        using var cancel = new CancellationTokenSource();
        var cancelled = queue.KickAsync(cancel.Token);

        await cancel.CancelAsync();

        Assert.False(await cancelled.WaitAsync(Bound));
        Assert.False(queue.HasWaiting);
    }

    [Fact(Timeout = 10_000)]
    public async Task WaitForKickCompletesOnArrival()
    {
        var queue = new KickQueue(8);
        queue.Open();
        var signal = queue.WaitForKickAsync(CancellationToken.None);
        Assert.False(signal.IsCompleted);

        var kick = queue.KickAsync(CancellationToken.None);

        await signal.WaitAsync(Bound);
        Assert.True(queue.WaitForKickAsync(CancellationToken.None).IsCompleted);
        queue.StartRound();
        Assert.False(queue.WaitForKickAsync(CancellationToken.None).IsCompleted);
        queue.CompleteRound();
        Assert.True(await kick.WaitAsync(Bound));
    }
}
