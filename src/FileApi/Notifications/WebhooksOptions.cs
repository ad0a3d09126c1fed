using System.ComponentModel.DataAnnotations;

namespace FileApi.Notifications;

public sealed class WebhooksOptions
{
    /// <summary>Run the delivery worker in this instance. Any number of instances may; each delivery is claimed by one.</summary>
    public bool Deliver { get; set; } = true;

    /// <summary>How often the worker looks for due deliveries when nothing in this instance woke it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>An endpoint that has not answered within this fails the attempt (it is retried later).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The delay after the first failed attempt; each further failure doubles it, up to <see cref="MaxRetryDelay"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(2);

    /// <summary>How long after the event a delivery is retried before it is given up (status failed).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromHours(24);

    /// <summary>A claim older than this belongs to an instance that stopped; another may send the delivery. Keep it above the request timeout.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan ClaimTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>After a rotation, deliveries carry a signature with the old secret as well for this long.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "7.00:00:00")]
    public TimeSpan PreviousSecretLifetime { get; set; } = TimeSpan.FromHours(24);

    [Range(1, 1000)]
    public int BatchSize { get; set; } = 50;

    /// <summary>Deliveries this instance sends at once.</summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = 4;

    [Range(1, 1000)]
    public int MaxEndpointsPerWorkspace { get; set; } = 20;

    /// <summary>Deliveries listed per endpoint at most.</summary>
    [Range(1, 1000)]
    public int MaxDeliveriesListed { get; set; } = 100;

    /// <summary>The delay before attempt <paramref name="failedAttempts"/> + 1: exponential, capped.</summary>
    public TimeSpan RetryDelay(int failedAttempts)
    {
        var factor = Math.Pow(2, Math.Min(failedAttempts - 1, 30));
        return TimeSpan.FromTicks((long)Math.Min(FirstRetryDelay.Ticks * factor, MaxRetryDelay.Ticks));
    }
}
