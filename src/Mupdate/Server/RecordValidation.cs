using Mupdate.Store;

namespace Mupdate.Server;

/// <summary>
/// Checks the strings of a write before it reaches the store. Cyrus mailbox names and locations
/// never contain control characters, and the store's sort key maps '.' and '!' to the control
/// bytes 0x1F and 0x1D, so a name with control characters could collide with another name.
/// ACLs are Cyrus's tab-separated pairs, so a TAB is the one control character they may carry.
/// </summary>
internal static class RecordValidation
{
    /// <summary>
    /// Checks a record a master sent to a slave: the rules for the master's clients, plus no U+FFFD,
    /// which stands for bytes that were not UTF-8 on the master.
    /// </summary>
    public static string? CheckReplicated(WriteRequest request)
    {
        if (Check(request) is { } problem)
        {
            return problem;
        }

        const char replacement = '\uFFFD';
        if (request.Name.Contains(replacement, StringComparison.Ordinal)
            || request.Location.Contains(replacement, StringComparison.Ordinal)
            || request.Acl.Contains(replacement, StringComparison.Ordinal))
        {
            return "not valid UTF-8 on the master (shown here with U+FFFD); rename or delete that mailbox on the master";
        }

        return null;
    }

    public static string? Check(WriteRequest request)
    {
        if (request.Name.Length == 0)
        {
            return "invalid mailbox name: empty";
        }

        if (HasControl(request.Name, allowTab: false))
        {
            return "invalid mailbox name: contains a control character";
        }

        if (HasEmptyPart(request.Name))
        {
            return "invalid mailbox name: empty hierarchy part (leading, trailing or doubled '.')";
        }

        if (HasControl(request.Location, allowTab: false))
        {
            return "invalid location: contains a control character";
        }

        if (HasControl(request.Acl, allowTab: true))
        {
            return "invalid ACL: contains a control character other than TAB";
        }

        return null;
    }

    /// <summary>
    /// Whether a hierarchy part is empty. Cyrus never creates such names and drops empty parts when
    /// it keys a name, so it would list them in another order than the one stored here.
    /// </summary>
    private static bool HasEmptyPart(string name)
    {
        var bang = name.IndexOf('!', StringComparison.Ordinal);
        if (bang == 0)
        {
            return true;
        }

        var path = bang < 0 ? name : name[(bang + 1)..];
        return path.Length == 0 || path[0] == '.' || path[^1] == '.' || path.Contains("..", StringComparison.Ordinal);
    }

    private static bool HasControl(string value, bool allowTab)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c) && !(allowTab && c == '\t'))
            {
                return true;
            }
        }

        return false;
    }
}
