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
    public async Task<SealOutcome> SealAsync(string blobName, string ifMatchETag, Guid leaseId, CancellationToken ct)
    {
        var blob = Blob(blobName);
        var lease = blob.GetBlobLeaseClient(leaseId.ToString());
        var condition = new RequestConditions { IfMatch = new ETag(ifMatchETag) };
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await lease.AcquireAsync(BlobLeaseClient.InfiniteLeaseDuration, condition, ct);
                LogBlobSealed(blobName);
                return SealOutcome.Sealed;
            }
            catch (RequestFailedException e) when (IsBlobNotFound(e))
            {
                return SealOutcome.Gone;
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ConditionNotMet.ToString())
            {
                return SealOutcome.Changed;
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
