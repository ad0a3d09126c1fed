using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Azure;
using Azure.Storage;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Options;

namespace FileApi.LocalEventGrid;

/// <summary>
/// Delivers one Event Grid-schema BlobCreated per commit to the webhook, as Event Grid does: one event per request, at
/// least once, retried on Event Grid's schedule while the webhook is down or failing, for up to the time to live. Pending
/// events live in memory only: if the stand-in itself stops, what it had not delivered is lost, as an event Event Grid
/// gives up on is; the API's reconciler finishes those uploads.
/// </summary>
public sealed class EventDelivery
{
    public const string WebhookClient = "webhook";

    // Webhook answers Event Grid does not retry: the event is dropped (dead-lettered in Azure).
    static readonly HashSet<HttpStatusCode> Final = [HttpStatusCode.BadRequest, HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden, HttpStatusCode.RequestEntityTooLarge];

    readonly IHttpClientFactory _clients;
    readonly EventGridOptions _options;
    readonly BlobServiceClient _storage;
    readonly TimeProvider _clock;
    readonly ILogger<EventDelivery> _logger;
    readonly string _topic;
    readonly CancellationToken _stopping;
    readonly ConcurrentDictionary<long, Task> _pending = new();
    long _sequencer;

    public EventDelivery(IHttpClientFactory clients, IOptions<EventGridOptions> options, IOptions<AzuriteOptions> azurite, TimeProvider clock,
        IHostApplicationLifetime lifetime, ILogger<EventDelivery> logger)
    {
        (_clients, _options, _clock, _logger, _stopping) = (clients, options.Value, clock, logger, lifetime.ApplicationStopping);
        var account = azurite.Value;
        _storage = new BlobServiceClient(new Uri(account.ServiceUri, "/" + account.AccountName), new StorageSharedKeyCredential(account.AccountName, account.AccountKey),
            new BlobClientOptions(BlobClientOptions.ServiceVersion.V2026_06_06));
        _topic = $"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.Storage/storageAccounts/{account.AccountName}";
    }

    /// <summary>Events raised and not yet delivered or given up on.</summary>
    public int Pending => _pending.Count;

    public void Raise(BlobCommit commit)
    {
        var sequence = Interlocked.Increment(ref _sequencer);
        var delivery = Task.Run(() => DeliverAsync(commit, sequence));
        _pending[sequence] = delivery;
        delivery.ContinueWith(_ => _pending.TryRemove(sequence, out var _), TaskScheduler.Default);
    }

    /// <summary>Returns once every event raised so far has been delivered or given up on (for tests and the bench).</summary>
    public async Task IdleAsync()
    {
        while (!_pending.IsEmpty)
            await Task.WhenAll(_pending.Values);
    }

    async Task DeliverAsync(BlobCommit commit, long sequence)
    {
        try
        {
            var created = await ToEventAsync(commit, sequence);
            await DeliverWithRetriesAsync(created, _stopping);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            _logger.LogWarning("Stopped before delivering the event for {Blob}", commit.BlobName);
        }
    }

    /// <summary>The event the blob service raises: the commit's etag and request ids, the blob's size and type as stored.</summary>
    async Task<BlobCreatedEvent> ToEventAsync(BlobCommit commit, long sequence)
    {
        var stored = commit.Stored ?? await ReadStoredAsync(commit);
        var id = Guid.NewGuid().ToString();
        return new BlobCreatedEvent(
            id,
            _topic,
            $"/blobServices/default/containers/{commit.Container}/blobs/{commit.BlobName}",
            "Microsoft.Storage.BlobCreated",
            _clock.GetUtcNow(),
            new BlobCreatedData(
                commit.Api,
                commit.ClientRequestId ?? id,
                commit.RequestId ?? id,
                commit.ETag,
                stored.ContentType,
                stored.Length,
                commit.BlobType,
                commit.Url.AbsoluteUri,
                sequence.ToString("D48", CultureInfo.InvariantCulture),
                new StorageDiagnostics(id)),
            DataVersion: "",
            MetadataVersion: "1");
    }

    async Task<StoredAs> ReadStoredAsync(BlobCommit commit)
    {
        try
        {
            var properties = (await _storage.GetBlobContainerClient(commit.Container).GetBlobClient(commit.BlobName).GetPropertiesAsync(cancellationToken: _stopping)).Value;
            return new StoredAs(properties.ContentLength, properties.ContentType ?? "application/octet-stream");
        }
        catch (RequestFailedException exception)
        {
            // Deleted or overwritten already: Azure would still deliver this commit's event; its size is then unknown here.
            _logger.LogWarning("Could not read {Blob} for its event: {Status}", commit.BlobName, exception.Status);
            return new StoredAs(0, "application/octet-stream");
        }
    }

    public async Task DeliverWithRetriesAsync(BlobCreatedEvent created, CancellationToken cancellationToken)
    {
        var deadline = _clock.GetUtcNow() + _options.EventTimeToLive;
        for (var attempt = 1; attempt <= _options.MaxDeliveryAttempts; attempt++)
        {
            var status = await TryDeliverAsync(created, attempt, cancellationToken);
            if (status is { } code && ((int)code is >= 200 and < 300))
                return;
            if (status is { } final && Final.Contains(final))
            {
                _logger.LogError("Webhook answered {Status} for event {EventId}; Event Grid does not retry that, dropping it", (int)final, created.Id);
                return;
            }

            var delay = _options.RetryDelays[Math.Min(attempt - 1, _options.RetryDelays.Length - 1)];
            delay += TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)Math.Min(5000, delay.TotalMilliseconds / 10) + 1));
            if (_clock.GetUtcNow() + delay > deadline)
                break;
            _logger.LogWarning("Delivery {Attempt} of event {EventId} failed ({Status}); retrying in {Delay}", attempt, created.Id, status?.ToString() ?? "no answer", delay);
            await Task.Delay(delay, _clock, cancellationToken);
        }
        _logger.LogError("Gave up delivering event {EventId} for {Subject}", created.Id, created.Subject);
    }

    async Task<HttpStatusCode?> TryDeliverAsync(BlobCreatedEvent created, int attempt, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.WebhookUrl) { Content = JsonContent.Create(new[] { created }) };
        request.Headers.Add("aeg-event-type", "Notification");
        request.Headers.Add("aeg-delivery-count", (attempt - 1).ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("aeg-subscription-name", "LOCAL-FILEAPI");
        request.Headers.Add("aeg-data-version", "");
        request.Headers.Add("aeg-metadata-version", "1");
        if (_options.WebhookSecret is { Length: > 0 } secret)
            request.Headers.Add("X-FileApi-Webhook-Secret", secret);

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            using var response = await _clients.CreateClient(WebhookClient).SendAsync(request, timeout.Token);
            return response.StatusCode;
        }
        catch (Exception exception) when (exception is HttpRequestException || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }
    }
}

public sealed record BlobCreatedEvent(
    string Id, string Topic, string Subject, string EventType, DateTimeOffset EventTime, BlobCreatedData Data, string DataVersion, string MetadataVersion);

public sealed record BlobCreatedData(
    string Api, string ClientRequestId, string RequestId, string ETag, string ContentType, long ContentLength, string BlobType, string Url, string Sequencer,
    StorageDiagnostics StorageDiagnostics);

public sealed record StorageDiagnostics(string BatchId);
