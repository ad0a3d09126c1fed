using System.Text.Json;
using System.Text.Json.Serialization;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using FileApi.Data;
using FileApi.Files;
using Microsoft.EntityFrameworkCore;

namespace FileApi.Notifications;

/// <summary>The CloudEvents <c>type</c> values FileApi sends.</summary>
public static class FileEventTypes
{
    public const string VersionReady = "fileapi.version.ready";
    public const string VersionFailed = "fileapi.version.failed";
    public const string FileDeleted = "fileapi.file.deleted";
    public const string FileRestored = "fileapi.file.restored";
}

/// <summary>
/// <c>data</c> of a FileApi CloudEvent: the file as GET answers it, without links (a download link would leak
/// through every receiver's logs and expire anyway). For a failed version, <c>version_status</c> and <c>reason</c> say why.
/// </summary>
public sealed record FileEventData(
    Guid OrganizationId,
    Guid WorkspaceId,
    string Name,
    string Path,
    Guid FileId,
    string? VersionId,
    long Size,
    string Etag,
    DateTimeOffset CreatedAt,
    UserResponse CreatedBy,
    DateTimeOffset? ModifiedAt,
    UserResponse? ModifiedBy,
    string? VersionStatus,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ReasonDetail = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? DeletedAt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] UserResponse? DeletedBy = null);

/// <summary>
/// Writes the outbox: called by <see cref="VersionLifecycle"/> inside the transaction of the change an event
/// reports, so an event exists exactly when its change committed. Nothing is written for a workspace without
/// webhooks. <see cref="Committed"/> then wakes this instance's delivery worker.
/// </summary>
public sealed class WebhookOutbox(FileApiDb db, DeliverySignal signal, TimeProvider clock)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    public static readonly JsonEventFormatter Formatter = new(Json, default);

    bool _written; // deliveries were added in the current transaction

    public async Task AddAsync(string type, Guid fileId, long? versionId, CancellationToken ct)
    {
        var file = await (
            from f in db.Files.AsNoTracking()
            join workspace in db.Workspaces on f.WorkspaceId equals workspace.Id
            where f.Id == fileId
            select new { File = f, workspace.OrganizationId }).FirstOrDefaultAsync(ct);
        if (file is null)
            return;
        var endpointIds = await db.WebhookEndpoints.Where(e => e.WorkspaceId == file.File.WorkspaceId).Select(e => e.Id).ToListAsync(ct);
        if (endpointIds.Count == 0)
            return;

        var shownVersionId = versionId ?? file.File.CurrentVersionId;
        var version = shownVersionId is { } id
            ? await db.FileVersions.AsNoTracking().FirstOrDefaultAsync(v => v.FileId == fileId && v.VersionId == id, ct)
            : null;
        Add(type, file.OrganizationId, file.File, version, endpointIds);
        await db.SaveChangesAsync(ct);
        _written = true;
    }

    /// <summary>One event per version, as <see cref="AddAsync"/> writes it, in a few queries whatever their number (a webhook batch).</summary>
    public async Task AddManyAsync(string type, IReadOnlyCollection<(Guid FileId, long VersionId)> versions, CancellationToken ct)
    {
        if (versions.Count == 0)
            return;
        var fileIds = versions.Select(v => v.FileId).Distinct().ToList();
        var files = await (
            from f in db.Files.AsNoTracking()
            join workspace in db.Workspaces on f.WorkspaceId equals workspace.Id
            where fileIds.Contains(f.Id)
            select new { File = f, workspace.OrganizationId }).ToDictionaryAsync(f => f.File.Id, ct);
        var workspaceIds = files.Values.Select(f => f.File.WorkspaceId).Distinct().ToList();
        var endpoints = (await db.WebhookEndpoints.Where(e => workspaceIds.Contains(e.WorkspaceId)).Select(e => new { e.WorkspaceId, e.Id }).ToListAsync(ct))
            .ToLookup(e => e.WorkspaceId, e => e.Id);
        var watched = versions.Where(v => files.TryGetValue(v.FileId, out var f) && endpoints.Contains(f.File.WorkspaceId)).ToList();
        if (watched.Count == 0)
            return;

        var watchedFiles = watched.Select(v => v.FileId).Distinct().ToList();
        var watchedVersions = watched.Select(v => v.VersionId).Distinct().ToList();
        var rows = await db.FileVersions.AsNoTracking().Where(v => watchedFiles.Contains(v.FileId) && watchedVersions.Contains(v.VersionId))
            .ToDictionaryAsync(v => (v.FileId, v.VersionId), ct);
        foreach (var (fileId, versionId) in watched)
        {
            var file = files[fileId];
            Add(type, file.OrganizationId, file.File, rows.GetValueOrDefault((fileId, versionId)), [.. endpoints[file.File.WorkspaceId]]);
        }
        await db.SaveChangesAsync(ct);
        _written = true;
    }

    void Add(string type, Guid organizationId, StoredFile file, FileVersion? version, IReadOnlyList<Guid> endpointIds)
    {
        var now = clock.GetUtcNow();
        var eventId = Guid.CreateVersion7(now);
        var subject = file.Folder + file.Name;
        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0)
        {
            Id = eventId.ToString(),
            Type = type,
            Source = new Uri($"/file/v2/orgs/{organizationId}/workspaces/{file.WorkspaceId}", UriKind.Relative),
            Subject = subject,
            Time = now,
            DataContentType = "application/json",
            Data = Describe(organizationId, file, version),
        };
        var payload = System.Text.Encoding.UTF8.GetString(Formatter.EncodeStructuredModeMessage(cloudEvent, out _).Span);

        foreach (var endpointId in endpointIds)
            db.WebhookDeliveries.Add(new WebhookDelivery
            {
                Id = Guid.CreateVersion7(now), EndpointId = endpointId, EventId = eventId, EventType = type, Subject = subject,
                Payload = payload, Status = DeliveryStatus.Pending, CreatedAt = now, NextAttemptAt = now,
            });
    }

    /// <summary>After the transaction committed: deliveries it wrote go out now rather than at the next poll.</summary>
    public void Committed()
    {
        if (_written)
            signal.Wake();
        _written = false;
    }

    static FileEventData Describe(Guid organizationId, StoredFile file, FileVersion? version) => new(
        organizationId,
        file.WorkspaceId,
        file.Name,
        file.Folder,
        file.Id,
        version is null ? null : FileReader.Format(version.VersionId),
        version?.Size ?? 0,
        version?.ETag ?? "",
        file.CreatedAt,
        new UserResponse(file.CreatedById, file.CreatedByName, file.CreatedByEmail),
        version?.CreatedAt,
        version is null ? null : new UserResponse(version.CreatedById, version.CreatedByName, version.CreatedByEmail),
        version?.Status.ToString().ToLowerInvariant(),
        version?.FailureCode,
        version?.FailureReason,
        file.DeletedAt,
        file.DeletedById is null ? null : new UserResponse(file.DeletedById, file.DeletedByName, file.DeletedByEmail));
}

/// <summary>Wakes a background worker of this instance when work for it was committed here; other work it finds by polling.</summary>
public abstract class WorkSignal
{
    TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next <see cref="Wake"/>; taken before a pass, so a wake during the pass is not lost.</summary>
    public Task Next() => Volatile.Read(ref _next).Task;

    public void Wake() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}

/// <summary>Wakes the delivery worker when a transaction here wrote deliveries.</summary>
public sealed class DeliverySignal : WorkSignal;
