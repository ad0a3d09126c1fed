using System.Text.Json;
using Azure.Messaging;
using Azure.Messaging.EventGrid;
using Azure.Messaging.EventGrid.SystemEvents;
using FileApi.Data;
using FileApi.Files;
using FileApi.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FileApi.Events;

/// <summary>
/// The Event Grid webhook. Accepts the Event Grid schema and CloudEvents 1.0, answers both subscription
/// handshakes, and hands each BlobCreated for our container to <see cref="VersionLifecycle"/>. A small delivery is answered once
/// its versions are completed or, past <see cref="StorageEventOptions.AnswerWithin"/>, once what it said is recorded; a large one
/// once it is recorded (a durable acknowledgement, as Event Grid asks of a webhook): the completion then finishes in the background. A checksum is verified
/// in the background: the delivery is answered 200 ("in progress") and the version becomes ready when the hash is done,
/// whether or not Event Grid is still connected.
/// Event Grid delivers at least once, late and out of order; completion is idempotent, so any of
/// that leaves the same state as one delivery. An error answer makes Event Grid retry.
/// </summary>
public static class StorageEventEndpoints
{
    // Event Grid batches are at most 1 MB.
    const int MaxBodyBytes = 1024 * 1024 + 64 * 1024;

    public static RouteGroupBuilder MapStorageEvents(this IEndpointRouteBuilder endpoints)
    {
        var events = endpoints.MapGroup("/events").WithTags("Events").AddEndpointFilter<WebhookAuthenticationFilter>();
        events.MapPost("/storage", Receive).WithName("receiveStorageEvents").WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxBodyBytes))
            .Accepts<JsonElement>("application/json", "application/cloudevents+json", "application/cloudevents-batch+json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status500InternalServerError)
            .WithSummary("Event Grid webhook for blob storage events (Event Grid schema or CloudEvents 1.0).")
            .WithDescription("A JSON array of Event Grid events, or CloudEvents 1.0 (single or batch). Answers the subscription validation "
                + "handshake with validationResponse. 400 (not retried by Event Grid) for a malformed body; 5xx (retried) for a transient failure.");
        events.MapMethods("/storage", [HttpMethods.Options], CloudEventsHandshake).WithName("validateStorageEventsWebhook").ProducesProblem(StatusCodes.Status403Forbidden)
            .WithSummary("CloudEvents webhook validation handshake.");
        return events;
    }

    static Ok CloudEventsHandshake(HttpContext http)
    {
        var origin = http.Request.Headers["WebHook-Request-Origin"].ToString();
        if (origin.Length > 0)
        {
            http.Response.Headers["WebHook-Allowed-Origin"] = origin;
            http.Response.Headers["WebHook-Allowed-Rate"] = "*";
        }
        return TypedResults.Ok();
    }

    /// <summary>What a delivery needs beyond its request: at most five parameters a handler.</summary>
    sealed record DeliveryServices(
        VersionLifecycle Lifecycle, Storage.BlobStorage Storage, StorageEventCompletions Completions, IOptions<StorageEventOptions> Options, TimeProvider Clock);

    static async Task<Results<Ok, Ok<SubscriptionValidationAnswer>, ProblemHttpResult>> Receive(
        HttpRequest request, [AsParameters] DeliveryServices services, CancellationToken ct)
    {
        var logger = request.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(StorageEventEndpoints));
        var body = await ReadBodyAsync(request, ct);
        if (body is null)
            return InvalidEvent($"The request body must be a JSON event batch of at most {MaxBodyBytes} bytes.");

        IReadOnlyList<StorageEvent> events;
        try
        {
            events = Parse(body);
        }
        catch (Exception exception) when (exception is JsonException or ArgumentException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            return InvalidEvent($"The body is not a valid Event Grid or CloudEvents batch: {exception.Message}");
        }

        if (events.OfType<StorageEvent.Validation>().FirstOrDefault() is { } validation)
        {
            logger.LogInformation("Answering the Event Grid subscription validation handshake");
            return TypedResults.Ok(new SubscriptionValidationAnswer(validation.Code));
        }

        var created = events.OfType<StorageEvent.BlobCreated>().ToList();
        var ours = created.Select(e => BlobSubject.TryParse(e.Subject, out var container, out var blobName) && container == services.Storage.ContainerName ? blobName : null).ToList();
        var spans = created.Select(_ => Telemetry.FileApiTelemetry.StartStorageEvent()).ToList();
        try
        {
            var outcomes = await HandleAsync(ours, spans, services, ct);
            for (var i = 0; i < created.Count; i++)
            {
                var (storageEvent, blobName, span) = (created[i], ours[i], spans[i]);
                if (blobName is null)
                {
                    Telemetry.FileApiTelemetry.StorageEventHandled(span, storageEvent.Id, "OutsideContainer");
                    logger.LogWarning("BlobCreated {EventId} for {Subject}, outside the files container; acknowledged", storageEvent.Id, storageEvent.Subject);
                    continue;
                }
                var outcome = outcomes.TryGetValue(blobName, out var known) ? known.ToString() : CompletingInBackground;
                Telemetry.FileApiTelemetry.StorageEventHandled(span, storageEvent.Id, outcome);
                if (known == CompletionOutcome.UnknownBlob)
                    logger.LogWarning("BlobCreated for blob {BlobName}, which no version owns; acknowledged", blobName);
                else
                    logger.LogDebug("BlobCreated {EventId} for {BlobName}: {Outcome}", storageEvent.Id, blobName, outcome);
            }
            return TypedResults.Ok();
        }
        finally
        {
            // A delivery that threw still ends its events' spans (ending one twice does nothing).
            foreach (var span in spans)
                span?.Dispose();
        }
    }

    /// <summary>The outcome an event's span reports when its version is still being completed as the delivery is answered.</summary>
    const string CompletingInBackground = "CompletingInBackground";

    /// <summary>
    /// One read of the named versions. A small delivery (at most <see cref="StorageEventOptions.CompleteBeforeAnswerUpTo"/>
    /// uploading) completes them at once, in this request, waiting at most <see cref="StorageEventOptions.AnswerWithin"/>;
    /// those not finished by then are recorded as reported (one statement) before the answer. A larger one is recorded first,
    /// answered right after, and completed in the background: durability waits for nothing, and the background work does not
    /// compete with the answer. Either way the reconciler completes what is recorded if this process stops, and a duplicate
    /// of a settled batch is one query. Answers the outcome of each version finished before the answer.
    /// </summary>
    static async Task<IReadOnlyDictionary<string, CompletionOutcome>> HandleAsync(
        List<string?> ours, List<System.Diagnostics.Activity?> spans, DeliveryServices services, CancellationToken ct)
    {
        var named = await services.Lifecycle.FindNamedAsync(ours.OfType<string>().ToList(), ct);
        // Each version's completion is traced under the (first) event that named its blob.
        var askedBy = new Dictionary<string, System.Diagnostics.ActivityContext>(StringComparer.Ordinal);
        for (var i = 0; i < ours.Count; i++)
            if (ours[i] is { } blobName && spans[i] is { } span)
                askedBy.TryAdd(blobName, span.Context);

        var outcomes = new Dictionary<string, CompletionOutcome>(named.Settled, StringComparer.Ordinal);
        var options = services.Options.Value;
        if (named.Uploading.Count > options.CompleteBeforeAnswerUpTo || options.AnswerWithin == TimeSpan.Zero)
        {
            await RecordUnrecordedAsync(named.Uploading, services.Lifecycle, ct);
            // Its outcomes reach the spans of the completion, not this delivery's; a failure is left to the reconciler.
            _ = services.Completions.Queue(named.Uploading, askedBy);
            return outcomes;
        }

        var work = services.Completions.StartNow(named.Uploading, askedBy);
        if (!work.IsCompleted)
            await Task.WhenAny(work, Task.Delay(options.AnswerWithin, services.Clock, ct));
        if (work.IsFaulted)
            await work; // failed within the budget: answered 5xx, so Event Grid retries, as before

        if (work.IsCompletedSuccessfully)
            foreach (var (blobName, outcome) in work.Result)
                outcomes[blobName] = outcome;
        // Still being completed (here, by this or an earlier delivery).
        await RecordUnrecordedAsync(named.Uploading.Where(u => !outcomes.ContainsKey(u.BlobName)), services.Lifecycle, ct);
        return outcomes;
    }

    /// <summary>Records these versions as reported, but for those an earlier delivery recorded.</summary>
    static async Task RecordUnrecordedAsync(IEnumerable<UploadingVersion> uploading, VersionLifecycle lifecycle, CancellationToken ct)
    {
        var unrecorded = uploading.Where(u => u.Version.BlobReportedAt is null).Select(u => u.Version).ToList();
        if (unrecorded.Count > 0)
            await lifecycle.RecordReportedAsync(unrecorded, ct);
    }

    static async Task<BinaryData?> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBodyBytes)
            return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
                return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.Length == 0 ? null : new BinaryData(buffer.ToArray());
    }

    static List<StorageEvent> Parse(BinaryData body)
    {
        var (isArray, isCloudEvents) = Schema(body);
        if (isCloudEvents)
            return CloudEvent.ParseMany(body).Select(FromCloudEvent).ToList();
        if (!isArray)
            throw new JsonException("an Event Grid schema delivery is an array of events");
        return EventGridEvent.ParseMany(body).Select(FromEventGridEvent).ToList();
    }

    /// <summary>
    /// Tells the schema from the first event's property names alone, reading no further: the SDK's parse then reads the whole
    /// body once (and rejects a malformed one), where a document of the whole megabyte just to look at its first event cost as much again.
    /// </summary>
    static (bool IsArray, bool IsCloudEvents) Schema(BinaryData body)
    {
        var reader = new Utf8JsonReader(body.ToMemory().Span);
        reader.Read();
        var isArray = reader.TokenType == JsonTokenType.StartArray;
        if (isArray)
            reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new JsonException("expected an event object or a non-empty array of events");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("specversion"))
                return (isArray, true);
            reader.Read();
            reader.Skip();
        }
        return (isArray, false);
    }

    static StorageEvent FromEventGridEvent(EventGridEvent e)
    {
        // The event type says what it is; only the handshake's data is read (its code). A BlobCreated's data is not used (its
        // size and etag are read from storage), so it is not deserialized: one JSON parse per event fewer.
        if (e.EventType == SystemEventNames.StorageBlobCreated)
            return new StorageEvent.BlobCreated(e.Id, e.Subject);
        if (e.EventType == SystemEventNames.EventGridSubscriptionValidation && e.TryGetSystemEventData(out var data)
            && data is SubscriptionValidationEventData validation)
            return new StorageEvent.Validation(validation.ValidationCode);
        return new StorageEvent.Other(e.EventType);
    }

    static StorageEvent FromCloudEvent(CloudEvent e) =>
        e.Type == SystemEventNames.StorageBlobCreated && e.Subject is not null
            ? new StorageEvent.BlobCreated(e.Id, e.Subject)
            : new StorageEvent.Other(e.Type);

    static ProblemHttpResult InvalidEvent(string detail) => Problems.BadRequest(Problems.InvalidEvent, "The event delivery is not valid.", detail);

    abstract record StorageEvent
    {
        public sealed record Validation(string Code) : StorageEvent;
        public sealed record BlobCreated(string Id, string Subject) : StorageEvent;
        public sealed record Other(string Type) : StorageEvent;
    }
}

/// <summary>Event Grid reads this exact property name, whatever the API's JSON naming.</summary>
public sealed record SubscriptionValidationAnswer([property: System.Text.Json.Serialization.JsonPropertyName("validationResponse")] string ValidationResponse);

/// <summary>Reads "/blobServices/default/containers/{container}/blobs/{blob}", the subject of blob events.</summary>
public static class BlobSubject
{
    const string Prefix = "/blobServices/default/containers/";
    const string BlobsSegment = "/blobs/";

    public static bool TryParse(string subject, out string container, out string blobName)
    {
        container = blobName = "";
        if (!subject.StartsWith(Prefix, StringComparison.Ordinal))
            return false;
        var rest = subject[Prefix.Length..];
        var separator = rest.IndexOf(BlobsSegment, StringComparison.Ordinal);
        if (separator <= 0)
            return false;
        container = rest[..separator];
        blobName = rest[(separator + BlobsSegment.Length)..];
        return blobName.Length > 0;
    }

    public static string For(string container, string blobName) => $"{Prefix}{container}{BlobsSegment}{blobName}";
}

public static class StorageEventExtensions
{
    public static IServiceCollection AddStorageEvents(this IServiceCollection services)
    {
        services.AddOptions<StorageEventOptions>().BindConfiguration(StorageEventOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<StorageEventCompletions>();
        services.AddSingleton<StorageEventHooks>();
        services.AddHostedService<StorageEventWorker>();
        return services;
    }
}
