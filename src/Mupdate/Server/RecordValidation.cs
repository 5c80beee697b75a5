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
