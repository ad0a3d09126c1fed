using System.Net;
using System.Security.Cryptography;
using System.Text;
using Azure.Core;

namespace FileApi.Storage;

// Reading a blob's bytes and discarding uploads: used to verify declared checksums and to clean up
// abandoned uploads. Kept apart from the request plumbing in BlobStorage.cs.
public sealed partial class BlobStorage
{
    /// <summary>
    /// Streams the blob exactly as it was at <paramref name="ifMatchETag"/> and hashes it. Null when the blob
    /// is gone; a <see cref="StorageRequestException"/> with status 412 when it has changed since.
    /// </summary>
    public async Task<ContentHashes?> HashAsync(string blobName, string ifMatchETag, CancellationToken ct)
    {
        using var message = CreateMessage(RequestMethod.Get, BlobUri(blobName));
        message.Request.Headers.SetValue("If-Match", ifMatchETag);
        message.BufferResponse = false;
        var response = await SendAsync(message, ct);
        if (IsBlobNotFound(response))
            return null;
        if (response.Status != (int)HttpStatusCode.OK)
            throw Failure(message);

        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        using var sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(256 * 1024);
        long length = 0;
        try
        {
            await using var content = response.ContentStream ?? throw Unexpected(message, "no body");
            int read;
            while ((read = await content.ReadAsync(buffer, ct)) > 0)
            {
                md5.AppendData(buffer, 0, read);
                sha256.AppendData(buffer, 0, read);
                length += read;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
        return new ContentHashes(length, md5.GetHashAndReset(), sha256.GetHashAndReset());
    }

    /// <summary>
    /// Drops an upload that was never committed: uncommitted blocks only go away with a commit, so this commits
    /// an empty block list (refused if a committed blob exists) and deletes the resulting empty blob.
    /// False when a committed blob exists and nothing was touched.
    /// </summary>
    public async Task<bool> DiscardUncommittedAsync(string blobName, CancellationToken ct)
    {
        using (var commit = CreateMessage(RequestMethod.Put, WithQuery(BlobUri(blobName), "comp=blocklist")))
        {
            commit.Request.Headers.SetValue("If-None-Match", "*");
            commit.Request.Headers.SetValue("Content-Type", "application/xml");
            commit.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList></BlockList>"));
            var response = await SendAsync(commit, ct);
            if (response.Status is (int)HttpStatusCode.PreconditionFailed or (int)HttpStatusCode.Conflict)
                return false;
            if (response.Status != (int)HttpStatusCode.Created)
                throw Failure(commit);
        }
        await DeleteIfExistsAsync(blobName, ct);
        return true;
    }
}

public sealed record ContentHashes(long Length, byte[] Md5, byte[] Sha256);
