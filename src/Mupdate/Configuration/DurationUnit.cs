namespace Mupdate.Configuration;

/// <summary>The unit that a DURATION value without a unit suffix, or its last bare number, is counted in.</summary>
public enum DurationUnit
{
    Seconds,
    Minutes,
    Hours,
    Days,
}
