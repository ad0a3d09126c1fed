using System.Net;
using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs.Models;

namespace FileApi.Storage;

// Reading a blob's bytes, discarding uploads and erasing blobs: used to verify declared checksums, to clean up
// abandoned uploads and to purge. Kept apart from the metadata and link methods in BlobStorage.cs.
public sealed partial class BlobStorage
{
    /// <summary>
    /// Streams the blob exactly as it was at <paramref name="ifMatchETag"/> and hashes it with the algorithms asked
    /// for (the others stay null). Null when the blob is gone; a <see cref="StorageRequestException"/> with status
    /// 412 when it has changed since.
    /// </summary>
    public async Task<ContentHashes?> HashAsync(string blobName, string ifMatchETag, bool md5, bool sha256, CancellationToken ct)
    {
        var blob = Blob(blobName);
        using var md5Hash = md5 ? IncrementalHash.CreateHash(HashAlgorithmName.MD5) : null;
        using var sha256Hash = sha256 ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(256 * 1024);
        long length = 0;
        try
        {
            // The SDK resumes a broken read with a ranged request on the same ETag, so a resumed read fails with 412
            // rather than mixing two uploads' bytes.
            using var download = (await blob.DownloadStreamingAsync(
                new BlobDownloadOptions { Conditions = new BlobRequestConditions { IfMatch = new ETag(ifMatchETag) } }, ct)).Value;
            int read;
            while ((read = await download.Content.ReadAsync(buffer, ct)) > 0)
            {
                md5Hash?.AppendData(buffer, 0, read);
                sha256Hash?.AppendData(buffer, 0, read);
                length += read;
            }
        }
        catch (RequestFailedException e) when (IsBlobNotFound(e))
        {
            return null;
        }
        catch (RequestFailedException e) when (e is not StorageRequestException)
        {
            throw Failure(e, blob.Uri);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
        return new ContentHashes(length, md5Hash?.GetHashAndReset(), sha256Hash?.GetHashAndReset());
    }

    /// <summary>
    /// Drops an upload that was never committed: uncommitted blocks only go away with a commit, so this commits
    /// an empty block list (refused if a committed blob exists) and erases the resulting empty blob.
    /// False when a committed blob exists and nothing was touched.
    /// </summary>
    public async Task<bool> DiscardUncommittedAsync(string blobName, CancellationToken ct)
    {
        var blob = Blob(blobName);
        try
        {
            await blob.CommitBlockListAsync([], new Azure.Storage.Blobs.Models.CommitBlockListOptions
            {
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            }, ct);
        }
        catch (RequestFailedException e) when (e.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.Conflict)
        {
            return false;
        }
        catch (RequestFailedException e) when (e is not StorageRequestException)
        {
            throw Failure(e, blob.Uri);
        }
        await DeleteIfExistsAsync(blobName, ct);
        return true;
    }

    /// <summary>
    /// Erases the blob, sealed or not: deletes it with its snapshots and, where the account keeps blob versions, every previous
    /// version too (deleting a versioned blob only turns its current version into a previous one, kept and billed
    /// forever). False when there was nothing to delete.
    /// </summary>
    public async Task<bool> DeleteIfExistsAsync(string blobName, CancellationToken ct)
    {
        var blob = Blob(blobName);
        var deleted = await DeleteCurrentIfExistsAsync(blob, ct);
        foreach (var versionId in await PreviousVersionsAsync(blobName, ct))
        {
            var version = blob.WithVersion(versionId);
            deleted |= (await Call(version.Uri, () => version.DeleteIfExistsAsync(cancellationToken: ct))).Value;
        }
        if (deleted)
            LogBlobErased(blobName);
        return deleted;
    }

    /// <summary>
    /// The ids of the blob's versions other than a current one. Empty where the account keeps no versions: the
    /// service then lists blobs without version ids (Azurite, which has no versioning, does the same).
    /// </summary>
    internal async Task<List<string>> PreviousVersionsAsync(string blobName, CancellationToken ct)
    {
        List<string> versions = [];
        // The prefix also matches longer names ("a/b" lists "a/bc"); only the exact name is this blob.
        var listing = _container.GetBlobsAsync(new GetBlobsOptions { States = BlobStates.Version, Prefix = blobName }, ct);
        await using var items = listing.GetAsyncEnumerator(ct);
        while (await Call(_container.Uri, async () => await items.MoveNextAsync()))
        {
            if (items.Current is { VersionId: { } versionId, IsLatestVersion: not true } item && item.Name == blobName)
                versions.Add(versionId);
        }
        return versions;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Erased blob {BlobName} with its snapshots and versions")]
    private partial void LogBlobErased(string blobName);
}

/// <summary>The blob's length and the hashes that were asked for; an algorithm not asked for is null.</summary>
public sealed record ContentHashes(long Length, byte[]? Md5, byte[]? Sha256);
