using Mupdate.Protocol;

namespace Mupdate.Store;

/// <summary>
/// The master's rules for each write, as a pure function of the request and the name's current
/// record. They follow RFC 3656 section 4 and Cyrus 3.12.2's responses, except that an active mailbox
/// is never demoted by RESERVE (Cyrus 3.6 demotes one reserved at the same location) and a missing
/// name gets NO where Cyrus 3.6 crashes.
/// </summary>
public static class WriteRules
{
    /// <summary>The outcome of one write: the state to store (null = delete) or why nothing changes.</summary>
    public readonly record struct Decision(bool Changes, MailboxRecord? NewRecord, WriteResult Result);

    public static Decision Decide(WriteRequest request, MailboxRecord? current)
    {
        switch (request.Kind)
        {
            case WriteKind.Activate:
                return Store(MailboxRecord.Active(request.Name, request.Location, request.Acl), current);

            case WriteKind.Put:
                return Store(new MailboxRecord(request.Name, request.PutKind, request.Location, request.Acl), current);

            case WriteKind.Reserve:
                if (current is null)
                {
                    return Store(MailboxRecord.Reserved(request.Name, request.Location), current);
                }

                // Cyrus backends repeat a RESERVE they already made (replicated pairs send every
                // command twice), so an identical reservation is accepted without a change.
                return current.Kind == MailboxKind.Reserved && current.Location == request.Location
                    ? Unchanged
                    : Reject(WireText.MailboxAlreadyExists);

            case WriteKind.Deactivate:
                if (current is null)
                {
                    return Reject(WireText.MailboxDoesNotExist);
                }

                return current.Kind == MailboxKind.Active
                    ? Store(MailboxRecord.Reserved(request.Name, request.Location), current)
                    : Reject(WireText.MailboxNotActive);

            case WriteKind.Delete:
                return current is null
                    ? Reject(WireText.MailboxDoesNotExist)
                    : new Decision(true, null, default);

            case WriteKind.Remove:
                return current is null ? Unchanged : new Decision(true, null, default);

            default:
                throw new ArgumentOutOfRangeException(nameof(request), request.Kind, "unknown write kind");
        }
    }

    private static Decision Store(MailboxRecord record, MailboxRecord? current) =>
        record == current ? Unchanged : new Decision(true, record, default);

    private static Decision Unchanged => new(false, null, WriteResult.Unchanged);

    private static Decision Reject(string reason) => new(false, null, WriteResult.Rejected(reason));
}
