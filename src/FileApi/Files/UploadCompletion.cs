using FileApi.Data;
using FileApi.Storage;
using Microsoft.EntityFrameworkCore;

namespace FileApi.Files;

public enum CompletionOutcome
{
    MarkedReady,
    AlreadyFinished,
    NotCommitted,
    UnknownBlob,
}

/// <summary>
/// Marks a version ready once its blob is committed. Every path that learns of an upload (Event Grid,
/// the local event source, later the client and the reconciler) goes through here, so any number of
/// calls in any order leave one ready version. The size and etag come from the blob service, not
/// from the notification, because a notification can be stale or reordered.
/// </summary>
public sealed class UploadCompletion(FileApiDb db, BlobStorage storage, TimeProvider clock, ILogger<UploadCompletion> logger)
{
    public async Task<CompletionOutcome> CompleteAsync(string blobName, CancellationToken cancellationToken)
    {
        if (!BlobNames.TryParse(blobName, out var blob))
            return CompletionOutcome.UnknownBlob;

        var status = await (
            from version in db.FileVersions
            join file in db.Files on version.FileId equals file.Id
            join workspace in db.Workspaces on file.WorkspaceId equals workspace.Id
            where version.FileId == blob.FileId && version.VersionId == blob.VersionId
                && file.WorkspaceId == blob.WorkspaceId && workspace.OrganizationId == blob.OrganizationId
            select (VersionStatus?)version.Status).FirstOrDefaultAsync(cancellationToken);

        if (status is null)
            return CompletionOutcome.UnknownBlob;
        if (status != VersionStatus.Uploading)
            return CompletionOutcome.AlreadyFinished;

        var properties = await storage.GetPropertiesAsync(blobName, cancellationToken);
        if (properties is null)
            return CompletionOutcome.NotCommitted;

        var updated = await db.FileVersions
            .Where(v => v.FileId == blob.FileId && v.VersionId == blob.VersionId && v.Status == VersionStatus.Uploading)
            .ExecuteUpdateAsync(set => set
                .SetProperty(v => v.Status, VersionStatus.Ready)
                .SetProperty(v => v.Size, properties.ContentLength)
                .SetProperty(v => v.ETag, properties.ETag)
                .SetProperty(v => v.ReadyAt, clock.GetUtcNow()), cancellationToken);

        if (updated == 0)
            return CompletionOutcome.AlreadyFinished;

        logger.LogInformation("Version {VersionId} of file {FileId} is ready ({Size} bytes)", blob.VersionId, blob.FileId, properties.ContentLength);
        return CompletionOutcome.MarkedReady;
    }
}
