namespace Mupdate.Hosting;

/// <summary>The text of <c>mupdate --help</c>.</summary>
public static class HelpText
{
    /// <summary>The short usage printed after a command-line error. It ends with a newline.</summary>
    public const string Usage =
        "usage: mupdate [-C config-file] [-m] [-a] [--listen ADDRESS:PORT]... [--log-level LEVEL]\n" +
        "       mupdate passwd [-C config-file] [-f credential-file] [--iterations N] {add|change|set|delete} USER\n" +
        "       mupdate passwd [-C config-file] [-f credential-file] list\n" +
        "       mupdate example [DIRECTORY] [--listen ADDRESS:PORT]...\n" +
        "       mupdate --help | --version\n";

    /// <summary>The full reference printed by <c>mupdate --help</c>. It ends with a newline.</summary>
    public const string Full = """
        NAME
            mupdate - MUPDATE server of a Cyrus IMAP Murder (RFC 3656)

        SYNOPSIS
            mupdate [-C config-file] [-m] [-a] [--listen ADDRESS:PORT]... [--log-level LEVEL]
            mupdate passwd [-C config-file] [-f credential-file] [--iterations N] {add|change|set|delete} USER
            mupdate passwd [-C config-file] [-f credential-file] list
            mupdate example [DIRECTORY] [--listen ADDRESS:PORT]...
            mupdate --help | --version

        DESCRIPTION
            Serves the mailbox list of a Cyrus Murder. The master holds the authoritative list of
            mailbox names, their locations (server!partition) and ACLs; backends change it with
            RESERVE, ACTIVATE, DEACTIVATE and DELETE, and frontends follow it with UPDATE. The
            server speaks the wire protocol of Cyrus 3.x mupdate, so Cyrus backends, frontends,
            slaves, ctl_mboxlist and mupdatetest use it unchanged.

            Without -m the server is a slave, as on a Cyrus frontend: it logs in to the master
            named by mupdate_server, sends UPDATE, keeps a copy of the list in its own database
            and serves FIND, LIST and UPDATE from it, read-only (writes get BAD "read-only
            session"). Until its first complete copy FIND and LIST get NO "not synchronized
            yet", and UPDATE waits for that copy (at most mupdate_dump_timeout). After a lost
            link it keeps answering from its last complete copy and reconnects. It does not
            write Cyrus's mailboxes.db, which a frontend's imapd reads. A resync that would remove more than
            mupdate_resync_delete_percent_max of a replica of at least
            mupdate_resync_guard_entries entries is refused and logged, and the old copy stays.

            Both roles listen on the kick socket {configdirectory}/socket/mupdate.target. A
            master answers "ok" at once; a slave answers "ok" after a NOOP round trip to its
            master, once every change the master sent before it is stored. Many kicks share one
            round trip.

            Logs go to standard error. SIGTERM, SIGINT or SIGQUIT closes the listeners, sends BYE
            to every client and exits 0. SIGHUP is logged and ignored: the credential file is
            reloaded automatically when it changes, and a change to imapd.conf needs a restart.

        OPTIONS
            -C config-file
                The imapd.conf-format configuration (default /etc/imapd.conf).
            -m
                Run as the master. Without -m: run as a slave of mupdate_server.
            -a
                Run as the master only when mupdate_server resolves to an address of this host,
                else as its slave.
            --listen ADDRESS:PORT
                Listen on this address; may be repeated. ADDRESS is an IPv4 address, a bracketed
                IPv6 address or * for every address. Default: *:<mupdate_port>, that is *:3905;
                under Cyrus's master(8) (CYRUS_SERVICE set, a listening socket on descriptor 4)
                the socket master(8) passes.
            --log-level LEVEL
                trace, debug, information (default), warning, error, critical or none.
            -h, --help
                Print this text.
            -V, --version
                Print the version.

        SUBCOMMANDS
            passwd
                Manages the credential file (mupdate_credentials), which holds salted, iterated
                SCRAM-SHA-1 and SCRAM-SHA-256 secrets, never a password. The password is read from
                standard input (asked twice on a terminal). -f names the credential file directly;
                given with -C, -f wins and the configuration is not read. See mupdate passwd --help.
            example [DIRECTORY] [--listen ADDRESS:PORT]...
                Runs a master on 127.0.0.1:3905 (or the --listen addresses) with the embedded
                example configuration, keeping its state in DIRECTORY (default ./mupdate-example),
                with the example admin user mupdater and password secret. For trying the server,
                not for production.

        CONFIGURATION
            imapd.conf syntax as Cyrus reads it: "key: value" lines, # comments, @include, no
            duplicate keys; keys mupdate does not use are ignored. Options read:
                configdirectory          required; state directory
                servername               host name in the banner (default: this host's name)
                admins                   space-separated ids allowed to log in
                mupdate_server           master address host[:port][/noauth]; a slave's master, and
                                         the host -a compares with this one
                mupdate_config           standard, unified or replicated (a master refuses unified;
                                         a unified slave never removes its local entries, those
                                         whose location has no server! part)
                mupdate_connections_max  connections served at once, logged in or not, as in Cyrus (128)
                mupdate_port             default listen port (3905)
                allowplaintext           offer PLAIN (off; there is no TLS yet)
                sasl_mech_list           mechanisms to offer (default all: SCRAM-SHA-256 SCRAM-SHA-1,
                                         and PLAIN, which is offered only with allowplaintext)
                failedloginpause         delay before a failed login's NO (3s)
                maxword, maxquoted, maxliteral   parser limits per element (128K each); 0 or less
                                         means the mupdate_command_max value, as Cyrus's 0 means
                                         no limit
            Options a slave reads:
                mupdate_authname         id the slave logs in to the master as (default:
                                         mupdate_username)
                mupdate_password         its password
                mupdate_username         authorization id to act as (default: the authname)
                mupdate_realm            read, but unused: SCRAM and PLAIN carry no realm (as in
                                         Cyrus); write user@realm into mupdate_authname instead
                force_sasl_client_mech   one mechanism to use (default: the best both sides have,
                                         SCRAM-SHA-256, SCRAM-SHA-1, then PLAIN)
                mupdate_retry_delay      seconds of silence before a keepalive NOOP, and the base
                                         delay before a reconnect, plus up to half of it at
                                         random (20; values under 1 count as 1)
                client_timeout           connect timeout to the master (10s)
            Options of this implementation:
                mupdate_database         SQLite database ({configdirectory}/mupdate.sqlite3)
                mupdate_credentials      credential file ({configdirectory}/mupdate.credentials)
                mupdate_idle_timeout     idle connection timeout, at least 15m (30m)
                mupdate_login_timeout    time allowed before a successful login (60s)
                mupdate_write_timeout    a client that accepts no data this long is dropped (60s)
                mupdate_dump_timeout     a LIST or UPDATE dump that takes longer is ended; a slave
                                         also gives its master's dump this long (10m)
                mupdate_stream_queue_max changes queued per UPDATE client before it is dropped (100000)
                mupdate_stream_buffer_max  bytes of changes queued per UPDATE client before it is dropped (32M)
                mupdate_command_max      largest command, literals included (1M)
                mupdate_commit_batch_max most writes per group commit (1024)
                mupdate_master_timeout   slave: time the master has to answer a NOOP or send the
                                         next line of its dump before it is dropped (20s)
                mupdate_resync_delete_percent_max  slave: most of the replica one resync may
                                         remove, in percent; 100 accepts any resync (50)
                mupdate_resync_guard_entries  slave: replicas smaller than this are not guarded
                                         (1000)
                mupdate_replica_entries_max   slave: most entries taken in one dump, held in
                                         memory while compared (5000000)
                mupdate_kick_max         kick-socket connections waiting at once (256)

        FILES
            mupdate_credentials, and next to it:
                <credentials>.lock       taken by mupdate passwd while it rewrites the file
                <credentials>.saltkey    key of the SCRAM salts sent for unknown users, mode 0600,
                                         created at the first start; keep it, or those salts change
            mupdate_database, and next to it <database>-wal, <database>-shm and <database>.lock.
            On a slave the database is its replica, and it records when the last resync committed.
            {configdirectory}/socket/mupdate.target, the kick socket (mode 0777, as Cyrus's).
            The database is SQLite in WAL mode: back it up with sqlite3 <db> ".backup <file>"
            while the server runs, or stop the server and copy the database with its -wal file.

        EXIT STATUS
            0 stopped by a signal; 64 invalid command line; 69 cannot listen; 70 internal error;
            74 database error; 78 invalid configuration.

        """;
}
