using System.Net;
using FileApi.Client.Transport;

namespace FileApi.Client.Transfers;

/// <summary>
/// Streams a version's blob to a destination from a given offset. A connection that breaks mid-body is picked up
/// where it stopped (a ranged GET from the bytes already written); an expired download link is replaced.
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
            var failures = 0;
            while (offset < file.Size)
            {
                var writing = false;
                try
                {
                    using var response = await blobs.SendAsync(link, uri => BlobTransport.GetRange(uri, offset), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                    await BlobTransport.EnsureSuccessAsync(response, cancellationToken);
                    if (response.StatusCode != HttpStatusCode.PartialContent && offset > 0)
                        throw new FileApiException((int)response.StatusCode, FileApiProblemTypes.StorageError, "Storage ignored the range.",
                            $"Asked for bytes from {offset}, got the whole blob.");

                    await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                    int read;
                    while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                    {
                        read = (int)Math.Min(read, file.Size - offset);
                        writing = true;
                        await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                        writing = false;
                        offset += read;
                        failures = 0;
                        tracker.Add(read);
                    }
                    if (offset < file.Size)
                        throw new IOException($"The download ended at byte {offset} of {file.Size}.");
                }
                catch (Exception exception) when (!writing && IsBrokenBody(exception, cancellationToken))
                {
                    if (++failures > options.Retry.MaxRetries)
                        throw exception as FileApiException ?? FileApiException.Network(exception);
                    await Task.Delay(Retries.Backoff(options.Retry, failures), options.TimeProvider, cancellationToken);
                }
            }
        }
        finally
        {
            options.BufferPool.Return(buffer);
        }
    }

    /// <summary>A body that broke off, or a request that got no answer after its own retries.</summary>
    static bool IsBrokenBody(Exception exception, CancellationToken cancellationToken) =>
        Retries.IsTransient(exception, cancellationToken) || exception is FileApiException { Status: 0 };
}
