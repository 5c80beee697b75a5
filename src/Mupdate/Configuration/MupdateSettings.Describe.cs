using System.Globalization;

namespace Mupdate.Configuration;

// The one-line summary for the startup log.
public sealed partial class MupdateSettings
{
    private const string NotSet = "(not set)";

    /// <summary>
    /// Returns the effective value of every setting on one line, as <c>option=value</c> pairs with Cyrus option
    /// names, for a startup log. The password is shown only as <c>(hidden)</c> or <c>(not set)</c>.
    /// </summary>
    public string Describe()
    {
        var parts = new List<string>
        {
            $"config={ConfigFile}",
            $"service={ServiceName}",
            $"{OptionNames.ConfigDirectory}={ConfigDirectory}",
            $"{OptionNames.ServerName}={ServerName}",
            $"{OptionNames.Admins}=[{string.Join(' ', Admins.Order(StringComparer.Ordinal))}]",
            $"{OptionNames.MupdateServer}={MupdateServer ?? NotSet}",
            $"{OptionNames.MupdateConfig}={ConfigMode.ToString().ToLowerInvariant()}",
            Number(OptionNames.ConnectionsMax, ConnectionsMax),
            Number(OptionNames.Port, Port),
            $"{OptionNames.AllowPlaintext}={(AllowPlaintext ? "on" : "off")}",
            $"{OptionNames.SaslMechList}={(SaslMechanisms is null ? NotSet : string.Join(' ', SaslMechanisms))}",
            $"{OptionNames.FailedLoginPause}={DurationValue.Format(FailedLoginPause)}",
            $"{OptionNames.MaxWord}={ByteSizeValue.Format(MaxWord)}",
            $"{OptionNames.MaxQuoted}={ByteSizeValue.Format(MaxQuoted)}",
            $"{OptionNames.MaxLiteral}={ByteSizeValue.Format(MaxLiteral)}",
            $"{OptionNames.RetryDelay}={DurationValue.Format(RetryDelay)}",
            $"{OptionNames.Username}={(MupdateUsername.Length == 0 ? "(empty)" : MupdateUsername)}",
            $"{OptionNames.Authname}={MupdateAuthname ?? NotSet}",
            $"{OptionNames.Realm}={MupdateRealm ?? NotSet}",
            $"{OptionNames.Password}={(MupdatePassword is null ? NotSet : "(hidden)")}",
            $"{OptionNames.Database}={DatabasePath}",
            $"{OptionNames.Credentials}={CredentialsPath}",
            $"{OptionNames.IdleTimeout}={DurationValue.Format(IdleTimeout)}",
            $"{OptionNames.LoginTimeout}={DurationValue.Format(LoginTimeout)}",
            $"{OptionNames.WriteTimeout}={DurationValue.Format(WriteTimeout)}",
            $"{OptionNames.DumpTimeout}={DurationValue.Format(DumpTimeout)}",
            Number(OptionNames.StreamQueueMax, StreamQueueMax),
            $"{OptionNames.StreamBufferMax}={ByteSizeValue.Format(StreamBufferMax)}",
            $"{OptionNames.CommandMax}={ByteSizeValue.Format(CommandMax)}",
            Number(OptionNames.CommitBatchMax, CommitBatchMax),
            $"{OptionNames.MasterTimeout}={DurationValue.Format(MasterTimeout)}",
            Number(OptionNames.ResyncDeletePercentMax, ResyncDeletePercentMax),
            Number(OptionNames.ResyncGuardEntries, ResyncGuardEntries),
            Number(OptionNames.ReplicaEntriesMax, ReplicaEntriesMax),
            Number(OptionNames.KickMax, KickMax),
            $"{OptionNames.ClientTimeout}={DurationValue.Format(ClientTimeout)}",
            $"{OptionNames.ForceSaslClientMech}={ForceSaslClientMech ?? NotSet}",
            Number("unknown_keys", Overflow.Count),
        };

        return string.Join(", ", parts);
    }

    private static string Number(string name, long value) =>
        string.Create(CultureInfo.InvariantCulture, $"{name}={value}");
}
