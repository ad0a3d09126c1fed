using System.ComponentModel.DataAnnotations;

namespace FileApi.Files;

public sealed class FilesOptions
{
    /// <summary>Largest file a version may hold; larger committed blobs fail and are deleted.</summary>
    [Range(1, long.MaxValue)]
    public long MaxFileSize { get; set; } = 200L * 1024 * 1024 * 1024;

    /// <summary>
    /// How long a verification claim lasts without a heartbeat. The instance hashing renews it every third of
    /// this, so only a claim whose instance stopped may be taken over.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan VerificationTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Blobs this instance hashes at once; more wait in the queue.</summary>
    [Range(1, 64)]
    public int VerificationConcurrency { get; set; } = 2;

    /// <summary>Verifications that may wait for a hasher; beyond it, one is left to the reconciler.</summary>
    [Range(1, 100_000)]
    public int VerificationQueueCapacity { get; set; } = 1000;

    /// <summary>How long <c>complete</c> waits for a hash before answering 202 Accepted.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan CompletionWait { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest <c>wait=</c> a poll may ask for, in seconds.</summary>
    [Range(0, 300)]
    public int MaxWaitSeconds { get; set; } = 60;

    /// <summary>Long-polls (<c>wait=</c>) one caller may hold open at once in an instance; beyond it, 429.</summary>
    [Range(1, 10_000)]
    public int MaxWaitsPerCaller { get; set; } = 10;

    /// <summary>Long-polls an instance holds open at once, over all callers; beyond it, 503.</summary>
    [Range(1, 1_000_000)]
    public int MaxWaits { get; set; } = 2000;

    /// <summary>
    /// PostgreSQL: instances tell each other by LISTEN/NOTIFY the moment a version finishes, so a long-poll on another
    /// instance answers at once. Turn off behind a pooler in transaction mode (PgBouncer, or Azure's built-in one on
    /// port 6432), which keeps no session's LISTEN; then only the re-read below wakes them, so keep it short.
    /// </summary>
    public bool WakeupsByNotification { get; set; } = true;

    /// <summary>
    /// How often an instance reads the versions its long-polls wait on, for finishes it was not told of. Unset: 5 s where
    /// instances announce finishes (a safety net for a lost notification), 500 ms where they cannot (SQL Server, or
    /// <see cref="WakeupsByNotification"/> off).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "1.00:00:00")]
    public TimeSpan? WaitedVersionRereadInterval { get; set; }

    public TimeSpan RereadInterval(bool announced) =>
        WaitedVersionRereadInterval ?? (announced ? TimeSpan.FromSeconds(5) : TimeSpan.FromMilliseconds(500));

    /// <summary>Most versions <c>include_versions</c> lists (<c>versions_limit</c> may ask for fewer).</summary>
    [Range(1, 100_000)]
    public int MaxVersionsListed { get; set; } = 1000;
}
