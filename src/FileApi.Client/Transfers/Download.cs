using Azure;
using Azure.Storage.Blobs.Models;
using FileApi.Client.Transport;

namespace FileApi.Client.Transfers;

/// <summary>
/// Streams a version's blob to a destination from a given offset, with ranged GETs. A connection that breaks
/// mid-body is picked up where it stopped by the SDK's download stream; a link that storage refuses mid-body is
/// replaced and the download goes on from the bytes already written.
/// </summary>
sealed class Download(BlobTransport blobs, FileApiClientOptions options)
{
    const int BufferSize = 128 * 1024;

    public async Task CopyAsync(FileDetails file, RenewableLink link, Stream destination, long offset, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var tracker = new ProgressTracker<DownloadProgress>(file.Size, offset, progress, (done, total) => new DownloadProgress(done, total));
        tracker.Start();
        var buffer = options.BufferPool.Rent(BufferSize);
        try
        {
            while (offset < file.Size)
            {
                var from = offset;
                using var download = await blobs.SendAsync(link, async (blob, token) =>
                    (await blob.DownloadStreamingAsync(new BlobDownloadOptions { Range = new HttpRange(from) }, token)).Value, cancellationToken);
                if (offset > 0 && download.Details.ContentRange is null)
                    throw new FileApiException(200, FileApiProblemTypes.StorageError, "Storage ignored the range.",
                        $"Asked for bytes from {offset}, got the whole blob.");
                try
                {
                    int read;
                    while ((read = await download.Content.ReadAsync(buffer, cancellationToken)) > 0)
                    {
                        read = (int)Math.Min(read, file.Size - offset);
                        await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                        offset += read;
                        tracker.Add(read);
                    }
                }
                catch (RequestFailedException refused) when (refused.Status == 403 && offset > from)
                {
                    // The link expired while the body was streaming: the next round renews it (it made progress, so this cannot loop).
                    continue;
                }
                catch (Exception exception) when (BlobTransport.ToFileApiException(exception, cancellationToken) is { } failure)
                {
                    throw failure;
                }
                if (offset < file.Size)
                    throw new FileApiException(200, FileApiProblemTypes.StorageError, "The download ended early.", $"The download ended at byte {offset} of {file.Size}.");
            }
        }
        finally
        {
            options.BufferPool.Return(buffer);
        }
    }
}
