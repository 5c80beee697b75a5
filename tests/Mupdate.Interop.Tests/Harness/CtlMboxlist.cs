using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mupdate.Interop.Tests.Harness;

/// <summary>A mailbox in a backend's own mailboxes.db: name, partition and ACL pairs.</summary>
public sealed record LocalMailbox(string Name, string Partition, IReadOnlyList<KeyValuePair<string, string>> Acl);

/// <summary>
/// One record of <c>ctl_mboxlist -d</c>: <paramref name="MailboxType"/> is Cyrus's mbtype
/// letters (<c>e</c> a local mailbox, <c>r</c> a remote entry as a slave stores it, plus more
/// for reservations), <paramref name="Server"/> is null for a local mailbox.
/// </summary>
public sealed record DumpedMailbox(
    string Name, string MailboxType, string Partition, string? Server, IReadOnlyList<KeyValuePair<string, string>> Acl);

/// <summary>Runs Cyrus 3.6's <c>ctl_mboxlist</c> as user cyrus against a <see cref="CyrusInstance"/>.</summary>
public static class CtlMboxlist
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Adds <paramref name="mailboxes"/> to the instance's mailboxes.db with <c>ctl_mboxlist -u</c>
    /// (JSON on stdin, with no imapd or mail spool). Cyrus 3.6 commits once per mailbox,
    /// about 1 ms each here.
    /// </summary>
    public static async Task<ToolResult> UndumpAsync(
        CyrusInstance instance, IReadOnlyList<LocalMailbox> mailboxes, CancellationToken cancellationToken)
    {
        var json = new JsonObject();
        var index = 0;
        foreach (var mailbox in mailboxes)
        {
            index++;
            var acl = new JsonObject();
            foreach (var (identifier, rights) in mailbox.Acl)
            {
                acl[identifier] = rights;
            }

            json[mailbox.Name] = new JsonObject
            {
                ["uniqueid"] = index.ToString("x24", CultureInfo.InvariantCulture),
                ["mbtype"] = "e",
                ["partition"] = mailbox.Partition,
                ["uidvalidity"] = (1_700_000_000 + index).ToString(CultureInfo.InvariantCulture),
                ["createdmodseq"] = "1",
                ["foldermodseq"] = "1",
                ["acl"] = acl,
            };
        }

        var (fileName, arguments) = ToolRunner.AsCyrus(CyrusBinaries.CtlMboxlist, "-C", instance.ConfigPath, "-u");
        return await ToolRunner.RunCheckedAsync(fileName, arguments, json.ToJsonString(), s_timeout, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>
    /// Runs <c>ctl_mboxlist -m</c> on a backend: it lists what the master holds for this server,
    /// then sends FIND + ACTIVATE for each local mailbox not listed identically and DELETE for
    /// each listed one that is not local, one command at a time. The result has its exit code,
    /// output and wall time, and the caller checks it.
    /// </summary>
    public static async Task<ToolResult> PushAsync(
        CyrusInstance backend, CancellationToken cancellationToken, params string[] extraArguments)
    {
        var (fileName, arguments) = ToolRunner.AsCyrus(
            CyrusBinaries.CtlMboxlist, ["-C", backend.ConfigPath, "-m", .. extraArguments]);
        return await ToolRunner.RunAsync(fileName, arguments, null, s_timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the instance's own mailboxes.db with <c>ctl_mboxlist -d</c> (JSON), keyed by name.</summary>
    public static async Task<IReadOnlyDictionary<string, DumpedMailbox>> DumpAsync(
        CyrusInstance instance, CancellationToken cancellationToken)
    {
        var (fileName, arguments) = ToolRunner.AsCyrus(CyrusBinaries.CtlMboxlist, "-C", instance.ConfigPath, "-d");
        var result = await ToolRunner.RunCheckedAsync(fileName, arguments, null, s_timeout, cancellationToken)
            .ConfigureAwait(false);
        try
        {
            return ParseDump(result.Stdout);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException(
                $"ctl_mboxlist -d printed invalid JSON ({ex.Message}):\n{result.Describe()}", ex);
        }
    }

    /// <summary>
    /// Parses the JSON of <c>ctl_mboxlist -d</c>, e.g. <c>{"user.x": {"name": "user.x",
    /// "mbtype": "er", "partition": "default", "server": "be1", "acl": {"x": "lrs"}}}</c>.
    /// </summary>
    public static IReadOnlyDictionary<string, DumpedMailbox> ParseDump(string json)
    {
        using var document = JsonDocument.Parse(json);
        var mailboxes = new Dictionary<string, DumpedMailbox>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            var record = property.Value;
            List<KeyValuePair<string, string>> acl = [];
            if (record.TryGetProperty("acl", out var aclElement) && aclElement.ValueKind == JsonValueKind.Object)
            {
                acl.AddRange(aclElement.EnumerateObject()
                    .Select(entry => KeyValuePair.Create(entry.Name, entry.Value.GetString() ?? "")));
            }

            mailboxes[property.Name] = new DumpedMailbox(
                property.Name,
                StringOrEmpty(record, "mbtype"),
                StringOrEmpty(record, "partition"),
                record.TryGetProperty("server", out var server) ? server.GetString() : null,
                acl);
        }

        return mailboxes;
    }

    private static string StringOrEmpty(JsonElement record, string name) =>
        record.TryGetProperty(name, out var value) ? value.GetString() ?? "" : "";
}
