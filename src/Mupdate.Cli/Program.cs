using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Mupdate.Hosting;

return await MupdateProgram.RunAsync(args, ProgramConsole.System, CreateLoggerFactory);

// Every log line goes to standard error, one line per event with a UTC timestamp, so that
// master(8), systemd or a shell redirect can collect it.
static ILoggerFactory CreateLoggerFactory(LogLevel level) => LoggerFactory.Create(builder => builder
    .SetMinimumLevel(level)
    .AddSimpleConsole(options =>
    {
        options.SingleLine = true;
        // Off, because every connection message names its connection already.
        options.IncludeScopes = false;
        options.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z' ";
        options.UseUtcTimestamp = true;
        options.ColorBehavior = LoggerColorBehavior.Disabled;
    })
    .AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace));
