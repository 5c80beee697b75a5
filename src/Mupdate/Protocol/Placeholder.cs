namespace Mupdate.Protocol;

internal static class Placeholder
{
}
