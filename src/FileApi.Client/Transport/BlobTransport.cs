using System.Globalization;
using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;

namespace FileApi.Client.Transport;

/// <summary>
/// Blob storage through SAS links, with the official SDK's <see cref="BlockBlobClient"/>: its retries (network
/// errors, 408, 429, 5xx) and its resuming download stream. A 403 means the link expired or was revoked: the link is
/// renewed (once for every request that saw it) and the operation tried again at once.
/// </summary>
sealed class BlobTransport
{
    /// <summary>
    /// One storage service version for the API, this client and the browser uploader (<c>wwwroot/app/uploader.js</c>):
    /// the newest that Azurite 3.37 accepts, since the SDK's default (2026-10-06) is newer.
    /// </summary>
    public const BlobClientOptions.ServiceVersion ServiceVersion = BlobClientOptions.ServiceVersion.V2026_06_06;

    const int MaxRenewalsPerAttempt = 2;

    readonly BlobClientOptions _options;

    public BlobTransport(HttpClient storage, FileApiRetryOptions retry)
    {
        _options = new BlobClientOptions(ServiceVersion) { Transport = new HttpClientTransport(storage) };
        _options.Retry.Mode = RetryMode.Exponential;
        _options.Retry.MaxRetries = retry.MaxRetries;
        _options.Retry.Delay = retry.Delay;
        _options.Retry.MaxDelay = retry.MaxDelay;
        // The SDK's own 100 s per try would cut off large blocks on slow links: the storage HttpClient's timeout decides.
        if (storage.Timeout != Timeout.InfiniteTimeSpan)
            _options.Retry.NetworkTimeout = storage.Timeout;
        // What the Evo SDK and the browser send: no transactional checksums, so all three clients put the same requests on the wire.
        _options.TransferValidation.Upload.ChecksumAlgorithm = StorageChecksumAlgorithm.None;
        _options.TransferValidation.Download.ChecksumAlgorithm = StorageChecksumAlgorithm.None;
    }

    /// <summary>Runs <paramref name="operation"/> on the link's blob, renewing the link when storage refuses it.</summary>
    public async Task<T> SendAsync<T>(RenewableLink link, Func<BlockBlobClient, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        for (var renewals = 0; ; renewals++)
        {
            var uri = await link.CurrentAsync(cancellationToken);
            try
            {
                return await operation(new BlockBlobClient(uri, _options), cancellationToken);
            }
            catch (RequestFailedException refused) when (refused.Status == 403 && renewals < MaxRenewalsPerAttempt)
            {
                await link.RenewAsync(uri, cancellationToken);
            }
            catch (Exception exception) when (ToFileApiException(exception, cancellationToken) is { } failure)
            {
                throw failure;
            }
        }
    }

    /// <summary>A storage refusal or a network failure the SDK gave up on, as the client's exception; null for anything else.</summary>
    public static FileApiException? ToFileApiException(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        RequestFailedException { Status: 0 } network => FileApiException.Network(network),
        RequestFailedException refused => new FileApiException(refused.Status, FileApiProblemTypes.StorageError, refused.ErrorCode ?? "Storage refused the request.",
            refused.Message, refused.ErrorCode is { } code ? new Dictionary<string, System.Text.Json.JsonElement>
            {
                ["storage_error_code"] = System.Text.Json.JsonSerializer.SerializeToElement(code, FileApiJsonContext.Default.String),
            } : null, innerException: refused),
        // The SDK's network timeout, not the caller's cancellation.
        OperationCanceledException or IOException when !cancellationToken.IsCancellationRequested => FileApiException.Network(exception),
        _ => null,
    };

    /// <summary>The Evo SDK's scheme: base64 of the block's byte offset as 32 zero-padded digits, so either client can resume the other's upload.</summary>
    public static string BlockId(long offset) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(offset.ToString("D32", CultureInfo.InvariantCulture)));
}
