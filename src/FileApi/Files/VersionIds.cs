namespace FileApi.Files;

/// <summary>
/// Version ids are the registration time in nanoseconds since the Unix epoch, rounded to whole
/// microseconds and bumped to stay strictly increasing per file. Rounding to microseconds makes the
/// derived <c>created_at</c> (PostgreSQL keeps microseconds) distinct and increasing as well.
/// </summary>
public static class VersionIds
{
    public const long Step = 1000;

    public static long Candidate(DateTimeOffset now) => (now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10 * Step;

    public static DateTimeOffset CreatedAt(long versionId) => DateTimeOffset.UnixEpoch.AddTicks(versionId / Step * 10);
}
