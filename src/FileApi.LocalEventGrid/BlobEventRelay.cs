// Azurite raises no Event Grid events. This stand-in watches the files container and delivers
// Event Grid-schema Microsoft.Storage.BlobCreated events over HTTP to the API's webhook, the way
// Event Grid does in Azure: one event per request, at least once, retried on the same schedule.
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using FileApi.Events;
using FileApi.Storage;
using Microsoft.Extensions.Options;

namespace FileApi.LocalEventGrid;

public sealed class RelayOptions
{
    [Required] public Uri WebhookUrl { get; set; } = null!;
    public string? WebhookSecret { get; set; }
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Event Grid's retry schedule for webhooks; the last step repeats until the time to live ends.</summary>
    public TimeSpan[] RetryDelays { get; set; } =
    [
        TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5),
        TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1), TimeSpan.FromHours(3),
        TimeSpan.FromHours(6), TimeSpan.FromHours(12),
    ];

    public int MaxDeliveryAttempts { get; set; } = 30;
    public TimeSpan EventTimeToLive { get; set; } = TimeSpan.FromHours(24);
}

/// <summary>Notices committed blobs by listing the container and comparing etags with the last look.</summary>
public sealed class BlobEventRelay(
    BlobStorage storage, HttpClient webhook, IOptions<RelayOptions> options, IOptions<StorageOptions> storageOptions,
    TimeProvider clock, ILogger<BlobEventRelay> logger) : BackgroundService
{
    // Webhook answers Event Grid does not retry: the event is dropped (dead-lettered in Azure).
    static readonly HashSet<HttpStatusCode> Final = [HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden, HttpStatusCode.RequestEntityTooLarge];

    readonly Dictionary<string, string> _seen = new(StringComparer.Ordinal);
    readonly string _topic = $"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.Storage/storageAccounts/{storageOptions.Value.AccountName}";
    long _sequencer;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Delivering BlobCreated events for container {Container} to {Webhook}", storage.ContainerName, options.Value.WebhookUrl);
        using var timer = new PeriodicTimer(options.Value.PollInterval, clock);
        do
        {
            try
            {
                foreach (var created in await PollAsync(stoppingToken))
                    _ = DeliverWithRetriesAsync(created, stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogWarning("Could not list the container: {Message}", exception.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Blobs committed (or re-committed) since the last poll, as Event Grid events.</summary>
    public async Task<IReadOnlyList<BlobCreatedEvent>> PollAsync(CancellationToken cancellationToken)
    {
        var created = new List<BlobCreatedEvent>();
        await foreach (var blob in storage.ListBlobsAsync(prefix: null, cancellationToken))
        {
            if (_seen.TryGetValue(blob.Name, out var etag) && etag == blob.ETag)
                continue;
            _seen[blob.Name] = blob.ETag;
            created.Add(ToEvent(blob));
        }
        return created;
    }

    public async Task DeliverWithRetriesAsync(BlobCreatedEvent created, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var deadline = clock.GetUtcNow() + settings.EventTimeToLive;
        for (var attempt = 1; attempt <= settings.MaxDeliveryAttempts; attempt++)
        {
            var status = await TryDeliverAsync(created, attempt, cancellationToken);
            if (status is { } code && ((int)code is >= 200 and < 300))
                return;
            if (status is { } final && Final.Contains(final))
            {
                logger.LogError("Webhook answered {Status} for event {EventId}; Event Grid does not retry that, dropping it", (int)final, created.Id);
                return;
            }

            var delay = settings.RetryDelays[Math.Min(attempt - 1, settings.RetryDelays.Length - 1)];
            delay += TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)Math.Min(5000, delay.TotalMilliseconds / 10) + 1));
            if (clock.GetUtcNow() + delay > deadline)
                break;
            logger.LogWarning("Delivery {Attempt} of event {EventId} failed ({Status}); retrying in {Delay}", attempt, created.Id, status?.ToString() ?? "no answer", delay);
            await Task.Delay(delay, clock, cancellationToken);
        }
        logger.LogError("Gave up delivering event {EventId} for {Subject}", created.Id, created.Subject);
    }

    async Task<HttpStatusCode?> TryDeliverAsync(BlobCreatedEvent created, int attempt, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Value.WebhookUrl)
        {
            Content = JsonContent.Create(new[] { created }),
        };
        request.Headers.Add("aeg-event-type", "Notification");
        request.Headers.Add("aeg-delivery-count", (attempt - 1).ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("aeg-subscription-name", "LOCAL-FILEAPI");
        request.Headers.Add("aeg-data-version", "");
        request.Headers.Add("aeg-metadata-version", "1");
        if (options.Value.WebhookSecret is { Length: > 0 } secret)
            request.Headers.Add("X-FileApi-Webhook-Secret", secret);

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            using var response = await webhook.SendAsync(request, timeout.Token);
            return response.StatusCode;
        }
        catch (Exception exception) when (exception is HttpRequestException || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }
    }

    BlobCreatedEvent ToEvent(BlobItem blob)
    {
        var id = Guid.NewGuid().ToString();
        return new BlobCreatedEvent(
            id,
            _topic,
            BlobSubject.For(storage.ContainerName, blob.Name),
            "Microsoft.Storage.BlobCreated",
            clock.GetUtcNow(),
            new BlobCreatedData(
                Api: "PutBlockList",
                ClientRequestId: id,
                RequestId: id,
                ETag: blob.ETag,
                ContentType: "application/octet-stream",
                ContentLength: blob.ContentLength,
                BlobType: "BlockBlob",
                Url: storage.BlobUri(blob.Name).AbsoluteUri,
                Sequencer: Interlocked.Increment(ref _sequencer).ToString("D32", CultureInfo.InvariantCulture)),
            DataVersion: "",
            MetadataVersion: "1");
    }
}

public sealed record BlobCreatedEvent(
    string Id, string Topic, string Subject, string EventType, DateTimeOffset EventTime, BlobCreatedData Data, string DataVersion, string MetadataVersion);

public sealed record BlobCreatedData(
    string Api, string ClientRequestId, string RequestId, string ETag, string ContentType, long ContentLength, string BlobType, string Url, string Sequencer);
