using System.ComponentModel.DataAnnotations;

namespace FileApi.Imports;

public sealed class ImportsOptions
{
    /// <summary>Run the import worker in this instance. Any number of instances may; each import is claimed by one.</summary>
    public bool Run { get; set; } = true;

    /// <summary>How often the worker looks for due imports when nothing in this instance woke it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Bytes per Put Block From URL. Larger sources get larger blocks so they fit in the service's 50,000 blocks;
    /// each block is copied by the blob service within one request.
    /// </summary>
    [Range(1024 * 1024, 4000L * 1024 * 1024)]
    public long BlockSize { get; set; } = 32L * 1024 * 1024;

    /// <summary>Blocks one import stages at once.</summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = 8;

    /// <summary>Imports this instance runs at once.</summary>
    [Range(1, 64)]
    public int MaxConcurrentImports { get; set; } = 2;

    /// <summary>How long an import may take before the reconciler gives its version up as expired.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan MaxDuration { get; set; } = TimeSpan.FromHours(24);

    /// <summary>A claim not renewed for this long belongs to an instance that stopped; another may resume the import.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan ClaimTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Tries for an import that fails for a passing reason (the source or the service answered 5xx, a timeout).</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan RetryDelay(int failedAttempts) => FirstRetryDelay * Math.Pow(2, Math.Min(failedAttempts - 1, 10));
}
