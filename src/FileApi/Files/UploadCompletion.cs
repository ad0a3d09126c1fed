using System.Security.Cryptography;
using FileApi.Data;
using FileApi.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FileApi.Files;

public enum CompletionOutcome
{
    MarkedReady,
    AlreadyReady,
    Failed,
    NotCommitted,
    VerificationInProgress,
    UnknownBlob,
}

/// <summary>
/// Finishes a version once its blob is committed. Every path that learns of an upload (Event Grid, the
/// uploader's completion call, the reconciler) goes through here, so any number of calls in any order
/// leave one outcome. Size and etag come from the blob service, never from a notification, which can be
/// stale or reordered. A blob that breaks the declared size or checksum, or the size limit, fails the
/// version and is deleted; it never becomes ready.
/// </summary>
public sealed class UploadCompletion(
    FileApiDb db, BlobStorage storage, VersionWaiters waiters, IOptions<FilesOptions> options, TimeProvider clock,
    IHostApplicationLifetime lifetime, ILogger<UploadCompletion> logger)
{
    public async Task<CompletionOutcome> CompleteAsync(string blobName, CancellationToken cancellationToken)
    {
        if (!BlobNames.TryParse(blobName, out var blob))
            return CompletionOutcome.UnknownBlob;
        using var span = Telemetry.FileApiTelemetry.StartCompletion(blob.FileId, blob.VersionId);

        var version = await (
            from v in db.FileVersions.AsNoTracking()
            join file in db.Files on v.FileId equals file.Id
            join workspace in db.Workspaces on file.WorkspaceId equals workspace.Id
            where v.FileId == blob.FileId && v.VersionId == blob.VersionId
                && file.WorkspaceId == blob.WorkspaceId && workspace.OrganizationId == blob.OrganizationId
            select v).FirstOrDefaultAsync(cancellationToken);

        switch (version?.Status)
        {
            case null:
                return CompletionOutcome.UnknownBlob;
            case VersionStatus.Ready:
                return CompletionOutcome.AlreadyReady;
            case VersionStatus.Failed:
                return CompletionOutcome.Failed;
        }

        var properties = await storage.GetPropertiesAsync(blobName, cancellationToken);
        if (properties is null)
            return CompletionOutcome.NotCommitted;

        var settings = options.Value;
        if (properties.ContentLength > settings.MaxFileSize)
            return await FailAsync(version!, blobName, $"the upload is {properties.ContentLength} bytes, over the maximum file size of {settings.MaxFileSize} bytes", cancellationToken);
        if (version!.DeclaredSize is { } declaredSize && declaredSize != properties.ContentLength)
            return await FailAsync(version, blobName, $"the upload is {properties.ContentLength} bytes but {declaredSize} were declared", cancellationToken);

        List<string> verified = version.DeclaredSize is null ? [] : ["size"];
        if (version.DeclaredMd5 is not null || version.DeclaredSha256 is not null)
        {
            // The service's Content-MD5 of a block list is whatever the uploader set, so checksums mean reading the bytes.
            if (!await ClaimVerificationAsync(version, cancellationToken))
                return CompletionOutcome.VerificationInProgress;

            var (readable, mismatch) = await VerifyChecksumsAsync(version, blobName, properties, verified);
            if (!readable)
                return CompletionOutcome.NotCommitted; // it changed or vanished while we read it; a later notice will come
            if (mismatch is not null)
                return await FailAsync(version, blobName, mismatch, cancellationToken);
        }

        return await MarkReadyAsync(version, properties, verified, cancellationToken);
    }

    async Task<bool> ClaimVerificationAsync(FileVersion version, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var staleBefore = now - options.Value.VerificationTimeout;
        return await db.FileVersions
            .Where(v => v.FileId == version.FileId && v.VersionId == version.VersionId && v.Status == VersionStatus.Uploading
                && (v.VerificationStartedAt == null || v.VerificationStartedAt < staleBefore))
            .ExecuteUpdateAsync(set => set.SetProperty(v => v.VerificationStartedAt, now), cancellationToken) == 1;
    }

    /// <summary>Hashes the blob as committed. Not readable when it changed or vanished meanwhile; otherwise the mismatch, if any.</summary>
    async Task<(bool Readable, string? Mismatch)> VerifyChecksumsAsync(FileVersion version, string blobName, BlobProperties properties, List<string> verified)
    {
        // Hashing gigabytes outlives an Event Grid delivery's 30 seconds; finish it even if the caller hangs up.
        ContentHashes? hashes;
        try
        {
            hashes = await storage.HashAsync(blobName, properties.ETag,
                md5: version.DeclaredMd5 is not null, sha256: version.DeclaredSha256 is not null, lifetime.ApplicationStopping);
        }
        catch (StorageRequestException changed) when (changed.Status == StatusCodes.Status412PreconditionFailed)
        {
            hashes = null;
        }
        catch
        {
            // A failed read must not hold the claim until it times out: the next notice may try at once.
            await ReleaseClaimAsync(version);
            throw;
        }

        if (hashes is null)
        {
            await ReleaseClaimAsync(version);
            return (false, null);
        }

        if (version.DeclaredMd5 is { } md5)
        {
            if (!CryptographicOperations.FixedTimeEquals(Convert.FromBase64String(md5), hashes.Md5!))
                return (true, $"the upload's MD5 is {Convert.ToBase64String(hashes.Md5!)} but {md5} was declared");
            verified.Add("md5");
        }
        if (version.DeclaredSha256 is { } sha256)
        {
            if (!CryptographicOperations.FixedTimeEquals(Convert.FromHexString(sha256), hashes.Sha256!))
                return (true, $"the upload's SHA-256 is {Convert.ToHexStringLower(hashes.Sha256!)} but {sha256} was declared");
            verified.Add("sha256");
        }
        return (true, null);
    }

    Task ReleaseClaimAsync(FileVersion version) =>
        db.FileVersions.Where(v => v.FileId == version.FileId && v.VersionId == version.VersionId)
            .ExecuteUpdateAsync(set => set.SetProperty(v => v.VerificationStartedAt, (DateTimeOffset?)null), CancellationToken.None);

    async Task<CompletionOutcome> MarkReadyAsync(FileVersion version, BlobProperties properties, List<string> verified, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var updated = await db.FileVersions
            .Where(v => v.FileId == version.FileId && v.VersionId == version.VersionId && v.Status == VersionStatus.Uploading)
            .ExecuteUpdateAsync(set => set
                .SetProperty(v => v.Status, VersionStatus.Ready)
                .SetProperty(v => v.Size, properties.ContentLength)
                .SetProperty(v => v.ETag, properties.ETag)
                .SetProperty(v => v.BlobVersionId, properties.VersionId)
                .SetProperty(v => v.Verified, verified.Count == 0 ? null : string.Join(',', verified))
                .SetProperty(v => v.ReadyAt, now)
                .SetProperty(v => v.VerificationStartedAt, (DateTimeOffset?)null), cancellationToken);
        if (updated == 0)
            return CompletionOutcome.AlreadyReady;

        // A version that finishes after a newer one does not become the file's current version.
        await db.Files
            .Where(f => f.Id == version.FileId && (f.CurrentVersionId == null || f.CurrentVersionId < version.VersionId))
            .ExecuteUpdateAsync(set => set
                .SetProperty(f => f.CurrentVersionId, version.VersionId)
                .SetProperty(f => f.CurrentSize, properties.ContentLength)
                .SetProperty(f => f.ModifiedAt, version.CreatedAt), cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        waiters.Finished(version.FileId, version.VersionId);
        Telemetry.FileApiTelemetry.VersionReady(properties.ContentLength, properties.LastModified, now);
        logger.LogInformation("Version {VersionId} of file {FileId} is ready: {Size} bytes, verified {Verified}",
            version.VersionId, version.FileId, properties.ContentLength, verified.Count == 0 ? "nothing declared" : string.Join(", ", verified));
        return CompletionOutcome.MarkedReady;
    }

    async Task<CompletionOutcome> FailAsync(FileVersion version, string blobName, string reason, CancellationToken cancellationToken)
    {
        var updated = await db.FileVersions
            .Where(v => v.FileId == version.FileId && v.VersionId == version.VersionId && v.Status == VersionStatus.Uploading)
            .ExecuteUpdateAsync(set => set
                .SetProperty(v => v.Status, VersionStatus.Failed)
                .SetProperty(v => v.FailureReason, reason)
                .SetProperty(v => v.VerificationStartedAt, (DateTimeOffset?)null), cancellationToken);
        if (updated == 0)
            return CompletionOutcome.AlreadyReady;

        waiters.Finished(version.FileId, version.VersionId);
        Telemetry.FileApiTelemetry.VersionFailed(reason);
        logger.LogWarning("Version {VersionId} of file {FileId} failed: {Reason}", version.VersionId, version.FileId, reason);
        // The reconciler deletes blobs of failed versions too, should this not get through.
        await storage.DeleteIfExistsAsync(blobName, cancellationToken);
        return CompletionOutcome.Failed;
    }
}
