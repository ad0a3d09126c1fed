using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace FileApi.Storage;

/// <summary>What became of an attempt to seal a blob.</summary>
public enum SealOutcome
{
    /// <summary>The blob holds the lease now (or already did): nobody without the lease id can write it.</summary>
    Sealed,
    /// <summary>The blob is no longer the one asked for: its etag changed, so nothing was sealed.</summary>
    Changed,
    /// <summary>There is no committed blob.</summary>
    Gone,
}

// Sealing a ready version's blob with an infinite lease: Put Blob, Put Block and Put Block List without the lease
// id are refused (412), so a still-valid upload link can no longer change bytes that were verified and served.
// Kept apart from the metadata and link methods in BlobStorage.cs.
public sealed partial class BlobStorage
{
    /// <summary>
    /// Leases the blob for ever with <paramref name="leaseId"/>, if it still is <paramref name="ifMatchETag"/>. Acquiring the
    /// lease the blob already holds succeeds again, so a retry after a crash is harmless. A lease someone else took
    /// (an upload link may lease its blob) is broken and replaced by ours, still only on the same etag.
    /// </summary>
    public async Task<SealOutcome> SealAsync(string blobName, string ifMatchETag, Guid leaseId, CancellationToken ct) =>
        (await AcquireSealAsync(Blob(blobName), leaseId, new RequestConditions { IfMatch = new ETag(ifMatchETag) }, ct)).Outcome;

    /// <summary>
    /// Seals the blob as <see cref="SealAsync(string, string, Guid, CancellationToken)"/> does, on the etag of <paramref name="verified"/>,
    /// and answers those properties with the snapshot taken of the same bytes at the same time (when the blob has no version id).
    /// </summary>
    public async Task<(SealOutcome Outcome, BlobProperties? Properties)> SealAsync(string blobName, BlobProperties verified, Guid leaseId, CancellationToken ct)
    {
        var blob = Blob(blobName);
        var onVerified = new BlobRequestConditions { IfMatch = new ETag(verified.ETag) };
        var sealing = AcquireSealAsync(blob, leaseId, onVerified, ct);
        var copying = verified.VersionId is null ? SnapshotAsync(blob, onVerified, ct) : null;
        await Task.WhenAll(sealing, copying ?? Task.CompletedTask);
        var (outcome, _) = sealing.Result;
        return outcome == SealOutcome.Sealed ? (outcome, await WithSnapshotAsync(blob, verified, copying, ct)) : (outcome, null);
    }

    /// <summary>
    /// Seals the committed blob as it is now and answers its properties: the lease is acquired unconditionally while the
    /// properties are read, both requests at once, so completion waits for one round trip instead of two. Sealed only when
    /// the lease and the properties answer the same etag (a lease changes no etag), so the properties describe exactly the
    /// sealed bytes; the caller checks them and erases the blob if they break what was declared. Changed when a commit landed
    /// between the two answers and the blob still differs from the leased one when read again.
    /// </summary>
    public async Task<(SealOutcome Outcome, BlobProperties? Properties)> SealAsFoundAsync(string blobName, Guid leaseId, CancellationToken ct)
    {
        var blob = Blob(blobName);
        var reading = GetPropertiesAsync(blobName, ct);
        var sealing = AcquireSealAsync(blob, leaseId, conditions: null, ct);
        // The snapshot goes with the other two, so completion still waits for one round trip.
        var copying = _keepsVersions ? null : SnapshotAsync(blob, conditions: null, ct);
        await Task.WhenAll(reading, sealing, copying ?? Task.CompletedTask);
        var (properties, (outcome, sealedETag)) = (reading.Result, sealing.Result);
        if (outcome == SealOutcome.Gone)
            return (properties is null ? SealOutcome.Gone : SealOutcome.Changed, null);
        if (properties is null)
        {
            // Azurite leases a blob that has uncommitted blocks only (Azure answers 404): let go, or its Put Block List would be refused.
            await ReleaseSealAsync(blob, leaseId, ct);
            return (SealOutcome.Gone, null);
        }
        // Read before the commit the lease found (or before one that replaced it): under our lease it is read as sealed.
        if (properties.ETag != sealedETag)
            properties = await GetPropertiesAsync(blobName, ct);
        return properties is not null && properties.ETag == sealedETag
            ? (SealOutcome.Sealed, await WithSnapshotAsync(blob, properties, copying, ct))
            : (SealOutcome.Changed, null);
    }

    // Set once a blob is seen with a version id: the account keeps blob versions, links pin to them, no snapshot is needed.
    private volatile bool _keepsVersions;

    /// <summary>
    /// The sealed properties with the snapshot of exactly their bytes. A snapshot is read-only: a download link pinned to it
    /// serves these bytes even if a still-valid upload link breaks the seal (Lease Blob needs only its <c>w</c>) and writes
    /// the blob again, so reads need not ask storage. A snapshot taken of other bytes (a commit landed in between) is taken
    /// again on the sealed etag; if even that fails, the properties go without one and reads check the etag, as before.
    /// </summary>
    private async Task<BlobProperties> WithSnapshotAsync(BlockBlobClient blob, BlobProperties sealedProperties, Task<(string Snapshot, string ETag)?>? taken,
        CancellationToken ct)
    {
        if (sealedProperties.VersionId is not null)
        {
            _keepsVersions = true;
            return sealedProperties;
        }
        var snapshot = taken is null ? null : await taken;
        if (snapshot?.ETag != sealedProperties.ETag)
            snapshot = await SnapshotAsync(blob, new BlobRequestConditions { IfMatch = new ETag(sealedProperties.ETag) }, ct);
        return snapshot is { } copy ? sealedProperties with { Snapshot = copy.Snapshot } : sealedProperties;
    }

    /// <summary>Snapshot Blob under <paramref name="conditions"/>: the snapshot's time and the etag of the bytes it holds; null when there is no such blob.</summary>
    private static async Task<(string Snapshot, string ETag)?> SnapshotAsync(BlockBlobClient blob, BlobRequestConditions? conditions, CancellationToken ct)
    {
        try
        {
            var snapshot = (await blob.CreateSnapshotAsync(conditions: conditions, cancellationToken: ct)).Value;
            return (snapshot.Snapshot, snapshot.ETag.ToString("H"));
        }
        catch (RequestFailedException e) when (IsBlobNotFound(e) || e.ErrorCode == BlobErrorCode.ConditionNotMet.ToString())
        {
            return null;
        }
        catch (RequestFailedException e) when (e is not StorageRequestException)
        {
            throw Failure(e, blob.Uri);
        }
    }

    /// <summary>Acquires the infinite lease under <paramref name="conditions"/>, answering the etag of the blob it sealed.</summary>
    private async Task<(SealOutcome Outcome, string? ETag)> AcquireSealAsync(BlockBlobClient blob, Guid leaseId, RequestConditions? conditions, CancellationToken ct)
    {
        var lease = blob.GetBlobLeaseClient(leaseId.ToString());
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var acquired = (await lease.AcquireAsync(BlobLeaseClient.InfiniteLeaseDuration, conditions, ct)).Value;
                LogBlobSealed(blob.Name);
                return (SealOutcome.Sealed, acquired.ETag.ToString("H"));
            }
            catch (RequestFailedException e) when (IsBlobNotFound(e))
            {
                return (SealOutcome.Gone, null);
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ConditionNotMet.ToString())
            {
                return (SealOutcome.Changed, null);
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.LeaseAlreadyPresent.ToString() && attempt == 0)
            {
                await BreakLeaseAsync(blob, ct);
            }
            catch (RequestFailedException e) when (e is not StorageRequestException)
            {
                throw Failure(e, blob.Uri);
            }
        }
    }

    /// <summary>Releases our lease; nothing to do when the blob holds none, or another one.</summary>
    private static async Task ReleaseSealAsync(BlockBlobClient blob, Guid leaseId, CancellationToken ct)
    {
        try
        {
            await blob.GetBlobLeaseClient(leaseId.ToString()).ReleaseAsync(cancellationToken: ct);
        }
        catch (RequestFailedException e) when (IsBlobNotFound(e) || e.ErrorCode == BlobErrorCode.LeaseNotPresentWithLeaseOperation.ToString()
            || e.ErrorCode == BlobErrorCode.LeaseIdMismatchWithLeaseOperation.ToString())
        {
        }
        catch (RequestFailedException e) when (e is not StorageRequestException)
        {
            throw Failure(e, blob.Uri);
        }
    }

    /// <summary>Ends the blob's lease at once, whoever holds it; nothing to do when there is none (or no blob).</summary>
    private static async Task BreakLeaseAsync(BlockBlobClient blob, CancellationToken ct)
    {
        try
        {
            await blob.GetBlobLeaseClient().BreakAsync(TimeSpan.Zero, cancellationToken: ct);
        }
        catch (RequestFailedException e) when (IsBlobNotFound(e) || e.ErrorCode == BlobErrorCode.LeaseNotPresentWithLeaseOperation.ToString())
        {
        }
        catch (RequestFailedException e) when (e is not StorageRequestException)
        {
            throw Failure(e, blob.Uri);
        }
    }

    /// <summary>
    /// Deletes the current blob with its snapshots. A sealed one refuses a delete without its lease id
    /// (LeaseIdMissing), so its lease is broken first: deleting is the one write a sealed blob is meant for.
    /// </summary>
    private static async Task<bool> DeleteCurrentIfExistsAsync(BlockBlobClient blob, CancellationToken ct)
    {
        try
        {
            return (await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: ct)).Value;
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.LeaseIdMissing.ToString())
        {
            await BreakLeaseAsync(blob, ct);
            return (await Call(blob.Uri, () => blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: ct))).Value;
        }
        catch (RequestFailedException e) when (e is not StorageRequestException)
        {
            throw Failure(e, blob.Uri);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sealed blob {BlobName} with an infinite lease")]
    private partial void LogBlobSealed(string blobName);
}
