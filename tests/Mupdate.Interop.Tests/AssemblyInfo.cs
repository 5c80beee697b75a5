using System.Runtime.Versioning;

// The harness drives Cyrus daemons through POSIX process groups, setpriv(1) and AF_UNIX sockets.
[assembly: SupportedOSPlatform("linux")]

// The tests start real daemons and time them, so they run one at a time and do not compete for the CPUs.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
