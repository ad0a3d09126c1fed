using System.Diagnostics;
using System.Diagnostics.Metrics;
using FileApi.Files;

namespace FileApi.Telemetry;

/// <summary>
/// FileApi's own spans and metrics: one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named
/// <see cref="Name"/>, exported with the platform's by <see cref="TelemetryExtensions.AddFileApiTelemetry"/>.
/// Attributes carry ids, sizes and outcomes only, never a link, token or secret: links carry a signature.
/// Static, so the code that records stays one line wherever it is.
/// </summary>
public static class FileApiTelemetry
{
    public const string Name = "FileApi";

    public const string FileIdAttribute = "fileapi.file.id";
    public const string VersionIdAttribute = "fileapi.version.id";
    public const string OutcomeAttribute = "fileapi.outcome";
    public const string ReasonAttribute = "fileapi.failure.reason";
    public const string RepairAttribute = "fileapi.repair";

    public static readonly ActivitySource Source = new(Name);
    static readonly Meter Meter = new(Name);

    static readonly Counter<long> Registered = Meter.CreateCounter<long>("fileapi.versions.registered", "{version}",
        "File versions registered: each is handed an upload link.");
    static readonly Counter<long> Ready = Meter.CreateCounter<long>("fileapi.versions.ready", "{version}", "File versions marked ready.");
    static readonly Counter<long> Failed = Meter.CreateCounter<long>("fileapi.versions.failed", "{version}",
        "File versions that will never be ready, by reason (fileapi.failure.reason).");
    static readonly Counter<long> BytesReady = Meter.CreateCounter<long>("fileapi.versions.ready.bytes", "By", "Bytes of the versions marked ready.");
    static readonly Histogram<double> CommitToReady = Meter.CreateHistogram("fileapi.versions.commit_to_ready.duration", "s",
        "From the blob's commit (its Last-Modified) to the version being ready.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600] });
    static readonly Counter<long> EventsHandled = Meter.CreateCounter<long>("fileapi.webhook.events", "{event}",
        "Storage events the webhook handled, by outcome (fileapi.outcome).");
    static readonly Counter<long> Repairs = Meter.CreateCounter<long>("fileapi.reconciler.repairs", "{repair}",
        "What reconciler passes repaired, by kind (fileapi.repair).");

    // Every live queue (one per app; a test process hosts several at once), so no app's queue hides another's.
    static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, Func<long>> VerificationQueues = new();

    static FileApiTelemetry() =>
        Meter.CreateObservableGauge("fileapi.verification.queue.length",
            () => new Measurement<long>(VerificationQueues.Sum(queue => queue.Value())),
            "{version}", "Versions waiting for their checksums to be verified.");

    /// <summary>The verification queue reports its length here; the gauge reads it at each collection.</summary>
    public static void ObserveVerificationQueue(object queue, Func<long> length) => VerificationQueues.AddOrUpdate(queue, length);

    /// <summary>Registration learns its ids from the statement that allocates them; <see cref="VersionRegistered"/> tags the span.</summary>
    public static Activity? StartRegistration() => Source.StartActivity("fileapi.register", ActivityKind.Internal);

    public static void VersionRegistered(Guid fileId, long versionId)
    {
        Registered.Add(1);
        Activity.Current?.SetTag(FileIdAttribute, fileId.ToString()).SetTag(VersionIdAttribute, versionId.ToString());
    }

    /// <summary>
    /// A completion span under <paramref name="parent"/> (the event that asked for it, else the current span). A batch completes
    /// its versions together, so each span is ended by <see cref="Completed"/> once the version's outcome is known.
    /// </summary>
    public static Activity? StartCompletion(Guid fileId, long versionId, ActivityContext parent = default) =>
        Source.StartActivity("fileapi.complete", ActivityKind.Internal, parent)?.SetTag(FileIdAttribute, fileId.ToString()).SetTag(VersionIdAttribute, versionId.ToString());

    public static void Completed(Activity? span, CompletionOutcome outcome)
    {
        span?.SetTag(OutcomeAttribute, outcome.ToString());
        span?.Dispose();
    }

    public static void VersionReady(long size, DateTimeOffset committedAt, DateTimeOffset readyAt)
    {
        Ready.Add(1);
        BytesReady.Add(size);
        CommitToReady.Record(Math.Max(0, (readyAt - committedAt).TotalSeconds));
        Activity.Current?.SetTag(OutcomeAttribute, nameof(CompletionOutcome.MarkedReady));
    }

    /// <summary>Counts a failed version under its failure code (<see cref="FailureCodes"/>), one of a few values.</summary>
    public static void VersionFailed(string failureCode)
    {
        Failed.Add(1, new KeyValuePair<string, object?>(ReasonAttribute, failureCode));
        Activity.Current?.SetTag(OutcomeAttribute, nameof(CompletionOutcome.Failed)).SetTag(ReasonAttribute, failureCode);
    }

    /// <summary>
    /// One span per event of a delivery, side by side under the request rather than nested in one another, since the
    /// batch handles its events together; <see cref="StorageEventHandled"/> gives each its outcome and ends it.
    /// </summary>
    public static Activity? StartStorageEvent()
    {
        var request = Activity.Current;
        var span = Source.StartActivity("fileapi.storage_event", ActivityKind.Internal);
        Activity.Current = request;
        return span;
    }

    public static void StorageEventHandled(Activity? span, string eventId, string outcome)
    {
        EventsHandled.Add(1, new KeyValuePair<string, object?>(OutcomeAttribute, outcome));
        span?.SetTag("fileapi.event.id", eventId).SetTag(OutcomeAttribute, outcome);
        span?.Dispose();
    }

    public static void ReconcilerRepaired(ReconcileReport report)
    {
        Repair("completed", report.Completed);
        Repair("expired", report.Expired);
        Repair("purged", report.Purged);
        Repair("orphan_deleted", report.OrphansDeleted);
        Repair("sealed", report.Sealed);
        // Expiry fails versions in bulk, so it is counted as failures here rather than one by one.
        if (report.Expired > 0)
            Failed.Add(report.Expired, new KeyValuePair<string, object?>(ReasonAttribute, FailureCodes.Expired));
    }

    static void Repair(string kind, int count)
    {
        if (count > 0)
            Repairs.Add(count, new KeyValuePair<string, object?>(RepairAttribute, kind));
    }

    static Activity? StartVersionSpan(string name, Guid fileId, long versionId) =>
        Source.StartActivity(name, ActivityKind.Internal)?.SetTag(FileIdAttribute, fileId.ToString()).SetTag(VersionIdAttribute, versionId.ToString());

}
