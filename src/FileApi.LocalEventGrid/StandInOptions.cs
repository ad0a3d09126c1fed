using System.ComponentModel.DataAnnotations;

namespace FileApi.LocalEventGrid;

/// <summary>The blob service behind the proxy.</summary>
public sealed class AzuriteOptions
{
    public const string SectionName = "Azurite";

    /// <summary>Azurite's blob endpoint, <c>http://127.0.0.1:10000</c>; requests keep their path (<c>/devstoreaccount1/...</c>).</summary>
    [Required] public Uri ServiceUri { get; set; } = null!;

    [Required] public string AccountName { get; set; } = "devstoreaccount1";

    /// <summary>The account key, to read a committed blob's size and content type for its event, as the service knows them.</summary>
    [Required, Base64String] public string AccountKey { get; set; } = "";
}

/// <summary>Where and how events are delivered: Event Grid's webhook delivery, one event per request.</summary>
public sealed class EventGridOptions
{
    public const string SectionName = "EventGrid";

    [Required] public Uri WebhookUrl { get; set; } = null!;

    /// <summary>Presented in <c>X-FileApi-Webhook-Secret</c>, the API's local alternative to Event Grid's Entra token.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>Event Grid's retry schedule for webhooks; the last step repeats until the time to live ends.</summary>
    public TimeSpan[] RetryDelays { get; set; } =
    [
        TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5),
        TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1), TimeSpan.FromHours(3),
        TimeSpan.FromHours(6), TimeSpan.FromHours(12),
    ];

    [Range(1, 100)] public int MaxDeliveryAttempts { get; set; } = 30;

    public TimeSpan EventTimeToLive { get; set; } = TimeSpan.FromHours(24);
}
