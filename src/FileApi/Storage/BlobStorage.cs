using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Azure.Storage.Sas;
using Microsoft.Extensions.Options;

namespace FileApi.Storage;

/// <summary>
/// The blob operations FileApi needs, on Azure.Storage.Blobs: the container, blob metadata, block lists, listing,
/// CORS, and the SAS links clients upload and download with. Errors surface as <see cref="StorageRequestException"/>.
/// </summary>
public sealed partial class BlobStorage
{
    /// <summary>
    /// Azurite 3.37 accepts service versions up to 2026-06-06, the SDK defaults to a newer one; pinned so the API
    /// needs no <c>--skipApiVersionCheck</c>. (SAS links are signed with the SDK's own SAS version.)
    /// </summary>
    public const BlobClientOptions.ServiceVersion ServiceVersion = BlobClientOptions.ServiceVersion.V2026_06_06;

    // Get Block List reads the block list, which needs Read; Put Blob, Put Block and Put Block List need Write
    // (Create alone allows neither Put Block nor Put Block List nor overwriting on a retried Put Blob).
    // The SAS names a single blob (sr=b), so neither permission reaches any other blob.
    private const BlobSasPermissions UploadPermissions = BlobSasPermissions.Read | BlobSasPermissions.Write;
    private const BlobSasPermissions DownloadPermissions = BlobSasPermissions.Read;

    // A client or service clock running a few minutes fast must not see a fresh link as not yet valid.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private readonly BlobServiceClient _service;
    private readonly BlobServiceClient _copyService;
    private readonly BlobContainerClient _container;
    private readonly string _containerUrl;
    private readonly StorageSharedKeyCredential? _sharedKey; // null when a user delegation key signs links
    private readonly UserDelegationKeyCache? _delegationKeys; // null when an account key signs links
    private readonly bool _httpsOnly;
    private readonly TimeProvider _time;
    private readonly ILogger<BlobStorage> _logger;

    public BlobStorage(IOptions<StorageOptions> options, ILogger<BlobStorage> logger, TimeProvider time)
        : this(options, logger, transport: null, time: time)
    {
    }

    internal BlobStorage(IOptions<StorageOptions> options, ILogger<BlobStorage> logger, HttpPipelineTransport? transport,
        TokenCredential? credential = null, TimeProvider? time = null)
    {
        var settings = options.Value;
        var clientOptions = new BlobClientOptions(ServiceVersion);
        if (transport is not null)
            clientOptions.Transport = transport;
        // These are small metadata requests (file bytes go from clients straight to storage), so a try that takes
        // longer than this is stuck and is better retried.
        clientOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        // While storage is down, a request is answered 503 within about three seconds of back-off, well inside Event
        // Grid's 30-second delivery timeout; the SDK's default back-off held each request over 20 seconds.
        clientOptions.Retry.Mode = RetryMode.Exponential;
        clientOptions.Retry.MaxRetries = 3;
        clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(400);
        clientOptions.Retry.MaxDelay = TimeSpan.FromSeconds(2);

        // Put Block From URL holds its request open while the service copies the block from the source.
        var copyOptions = new BlobClientOptions(ServiceVersion);
        if (transport is not null)
            copyOptions.Transport = transport;
        copyOptions.Retry.NetworkTimeout = CopyNetworkTimeout;

        _time = time ?? TimeProvider.System;
        _logger = logger;
        if (settings.AccountKey is not null)
        {
            _sharedKey = new StorageSharedKeyCredential(settings.AccountName, settings.AccountKey);
            _service = new BlobServiceClient(settings.ServiceUri, _sharedKey, clientOptions);
            _copyService = new BlobServiceClient(settings.ServiceUri, new StorageSharedKeyCredential(settings.AccountName, settings.AccountKey), copyOptions);
        }
        else
        {
            // Entra ID (Azure, where the account allows no shared key): requests carry the app's token and links
            // are signed with a user delegation key that the same token obtains.
            var appCredential = credential ?? FileApi.Auth.AppIdentity.Credential(settings.ManagedIdentityClientId);
            _service = new BlobServiceClient(settings.ServiceUri, appCredential, clientOptions);
            _copyService = new BlobServiceClient(settings.ServiceUri, appCredential, copyOptions);
            var longestLink = settings.UploadLinkLifetime > settings.DownloadLinkLifetime ? settings.UploadLinkLifetime : settings.DownloadLinkLifetime;
            _delegationKeys = new UserDelegationKeyCache(GetUserDelegationKeyAsync, longestLink, _time, logger);
        }
        _container = _service.GetBlobContainerClient(settings.Container);
        _containerUrl = _container.Uri.AbsoluteUri.TrimEnd('/');
        _httpsOnly = settings.ServiceUri.Scheme == Uri.UriSchemeHttps;
    }

    public string ContainerName => _container.Name;

    /// <summary>
    /// The unsigned URL of a blob, each name segment percent-encoded. Pass URLs on as <see cref="Uri.AbsoluteUri"/>:
    /// <see cref="Uri.ToString"/> unescapes parts of them.
    /// </summary>
    public Uri BlobUri(string blobName) => Blob(blobName).Uri;

    public async Task CreateContainerIfNotExistsAsync(CancellationToken ct)
    {
        var created = await Call(_container.Uri, () => _container.CreateIfNotExistsAsync(cancellationToken: ct));
        if (created is not null)
            LogContainerCreated(ContainerName);
    }

    /// <summary>The committed blob's properties; null when there is none (uncommitted blocks only count as none).</summary>
    public async Task<BlobProperties?> GetPropertiesAsync(string blobName, CancellationToken ct)
    {
        var blob = Blob(blobName);
        try
        {
            var properties = (await blob.GetPropertiesAsync(cancellationToken: ct)).Value;
            return new BlobProperties(
                properties.ContentLength,
                properties.ETag.ToString("H"),
                properties.LastModified,
                properties.ContentHash is { Length: > 0 } md5 ? Convert.ToBase64String(md5) : null,
                properties.VersionId,
                properties.ContentType);
        }
        catch (RequestFailedException e) when (IsBlobNotFound(e))
        {
            return null;
        }
        catch (RequestFailedException e) when (e is not StorageRequestException)
        {
            throw Failure(e, blob.Uri);
        }
    }

    public async Task<BlockList> GetBlockListAsync(string blobName, CancellationToken ct)
    {
        var blob = Blob(blobName);
        try
        {
            var list = (await blob.GetBlockListAsync(BlockListTypes.All, cancellationToken: ct)).Value;
            return new BlockList(Blocks(list.CommittedBlocks), Blocks(list.UncommittedBlocks));
        }
        catch (RequestFailedException e) when (IsBlobNotFound(e))
        {
            return new BlockList([], []);
        }
        catch (RequestFailedException e) when (e is not StorageRequestException)
        {
            throw Failure(e, blob.Uri);
        }

        static List<Block> Blocks(IEnumerable<BlobBlock>? blocks) => blocks?.Select(b => new Block(b.Name, b.SizeLong)).ToList() ?? [];
    }

    public IAsyncEnumerable<BlobItem> ListBlobsAsync(string? prefix, CancellationToken ct) =>
        ListBlobsAsync(prefix, pageSize: null, ct);

    internal async IAsyncEnumerable<BlobItem> ListBlobsAsync(string? prefix, int? pageSize,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        var pages = _container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, ct).AsPages(pageSizeHint: pageSize);
        await using var page = pages.GetAsyncEnumerator(ct);
        while (await Call(_container.Uri, async () => await page.MoveNextAsync()))
        {
            foreach (var blob in page.Current.Values)
                yield return new BlobItem(blob.Name, blob.Properties.ContentLength ?? 0, blob.Properties.ETag?.ToString("H") ?? "",
                    blob.Properties.LastModified ?? default);
        }
    }

    /// <summary>
    /// Replaces the account's CORS rules, keeping its other blob service properties. The service has no ETag for
    /// them, so a concurrent change to another property between our read and write would be lost.
    /// </summary>
    public async Task SetCorsRulesAsync(IReadOnlyList<CorsRule> rules, CancellationToken ct)
    {
        var properties = await GetServicePropertiesAsync(ct);
        properties.Cors = [.. rules.Select(rule => new BlobCorsRule
        {
            AllowedOrigins = string.Join(',', rule.AllowedOrigins),
            AllowedMethods = string.Join(',', rule.AllowedMethods),
            AllowedHeaders = string.Join(',', rule.AllowedHeaders),
            ExposedHeaders = string.Join(',', rule.ExposedHeaders),
            MaxAgeInSeconds = rule.MaxAgeSeconds,
        })];
        await Call(_service.Uri, () => _service.SetPropertiesAsync(properties, ct));
        LogCorsRulesSet(rules.Count);
    }

    internal async Task<BlobServiceProperties> GetServicePropertiesAsync(CancellationToken ct) =>
        (await Call(_service.Uri, () => _service.GetPropertiesAsync(ct))).Value;

    /// <summary>
    /// A link that can upload this one blob (Put Blob, or Put Block + Put Block List) and read its block list
    /// to resume an upload, until <paramref name="expiresOn"/>.
    /// </summary>
    public Task<Uri> CreateUploadUriAsync(string blobName, DateTimeOffset expiresOn, CancellationToken ct) =>
        SignAsync(blobName, LinkFor(blobName, UploadPermissions, expiresOn), ct);

    /// <summary>
    /// A read-only link to this one blob, or to one version of it (<c>sr=bv</c>) when <paramref name="blobVersionId"/>
    /// is given, or else to one snapshot of it (<c>sr=bs</c>) when <paramref name="snapshot"/> is, that downloads as an
    /// attachment named <paramref name="downloadFileName"/>, served as <paramref name="contentType"/>
    /// (rsct) whatever content type the uploader sent to storage. Always an attachment, so that no declared type
    /// (text/html, image/svg+xml, application/javascript...) ever renders on the storage account's origin.
    /// </summary>
    public Task<Uri> CreateDownloadUriAsync(string blobName, string downloadFileName, string? contentType, DateTimeOffset expiresOn, string? blobVersionId,
        string? snapshot, CancellationToken ct)
    {
        var link = LinkFor(blobName, DownloadPermissions, expiresOn);
        link.ContentDisposition = ContentDisposition.Attachment(downloadFileName);
        if (contentType is not null)
            link.ContentType = contentType;
        if (blobVersionId is not null)
        {
            link.BlobVersionId = blobVersionId;
            link.Resource = "bv";
        }
        else if (snapshot is not null)
        {
            link.Snapshot = snapshot;
            link.Resource = "bs";
        }
        return SignAsync(blobName, link, ct);
    }

    /// <summary>A download link that serves the content type stored with the blob.</summary>
    public Task<Uri> CreateDownloadUriAsync(string blobName, string downloadFileName, DateTimeOffset expiresOn, string? blobVersionId, CancellationToken ct) =>
        CreateDownloadUriAsync(blobName, downloadFileName, contentType: null, expiresOn, blobVersionId, snapshot: null, ct);

    private BlobSasBuilder LinkFor(string blobName, BlobSasPermissions permissions, DateTimeOffset expiresOn) =>
        new(permissions, expiresOn)
        {
            BlobContainerName = ContainerName,
            BlobName = blobName,
            Resource = "b",
            StartsOn = _time.GetUtcNow() - ClockSkew,
            Protocol = _httpsOnly ? SasProtocol.Https : SasProtocol.HttpsAndHttp,
        };

    // Every GET answers with a download link, so it is signed by BlobSasBuilder but put together here: the SDK's
    // GenerateSasUri builds a blob client and parses and rebuilds its URL per link, several times the cost of the
    // signature itself. The URL is the one the SDK builds (LinkParameterTests compares them).
    private async Task<Uri> SignAsync(string blobName, BlobSasBuilder link, CancellationToken ct)
    {
        var sas = _delegationKeys is null
            ? link.ToSasQueryParameters(_sharedKey!)
            : link.ToSasQueryParameters(await _delegationKeys.KeyForAsync(link.ExpiresOn, ct), _service.AccountName);
        var url = new StringBuilder(_containerUrl, capacity: 512).Append('/');
        foreach (var segment in ValidBlobName(blobName).Split('/'))
            url.Append(Uri.EscapeDataString(segment)).Append('/');
        url.Length--;
        url.Append('?');
        // A version id or snapshot is a timestamp (digits, '-', ':', '.', 'T', 'Z'), all allowed in a query; the SDK writes it as is.
        if (link.BlobVersionId is { } versionId)
            url.Append("versionid=").Append(versionId).Append('&');
        else if (link.Snapshot is { Length: > 0 } snapshot)
            url.Append("snapshot=").Append(snapshot).Append('&');
        return new Uri(SpacesAsPercent20(url.Append(sas).ToString()));
    }

    // The SDK writes a space in the query (in rscd) as '+'. Clients that re-encode the query, as the Evo SDK does,
    // may take that for a literal '+' and break the signature; %20 is a space to every decoder. A literal '+' is
    // already written %2B, so no other character changes.
    private static string SpacesAsPercent20(string url) => url.Replace("+", "%20", StringComparison.Ordinal);

    /// <summary>Get User Delegation Key: needs an Entra token with Storage Blob Delegator (or a data role) on the account.</summary>
    private async Task<UserDelegationKey> GetUserDelegationKeyAsync(DateTimeOffset startsOn, DateTimeOffset expiresOn, CancellationToken ct) =>
        (await Call(_service.Uri, () => _service.GetUserDelegationKeyAsync(startsOn, expiresOn, ct))).Value;

    private BlockBlobClient Blob(string blobName) => _container.GetBlockBlobClient(ValidBlobName(blobName));

    private static string ValidBlobName(string blobName)
    {
        ArgumentException.ThrowIfNullOrEmpty(blobName);
        if (blobName.Length > 1024)
            throw new ArgumentException("A blob name has at most 1024 characters.", nameof(blobName));
        // The service turns '\' into '/', and URL parsing drops "." and ".." segments; either way the blob
        // addressed would not be the one named (and signed) here.
        if (blobName.Contains('\\') || blobName.Split('/').Any(s => s is "." or ".."))
            throw new ArgumentException($"Blob name '{blobName}' has a '\\' or a '.'/'..' segment.", nameof(blobName));
        return blobName;
    }

    private static bool IsBlobNotFound(RequestFailedException e) => e.ErrorCode == BlobErrorCode.BlobNotFound.ToString();

    /// <summary>Runs one SDK call, turning its failure into a <see cref="StorageRequestException"/>.</summary>
    private static async Task<T> Call<T>(Uri target, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (RequestFailedException e) when (e is not StorageRequestException)
        {
            throw Failure(e, target);
        }
    }

    // The SDK's own message lists request and response headers; ours names the resource without its query, which
    // keeps SAS signatures and version ids out of logs and error pages.
    private static StorageRequestException Failure(RequestFailedException e, Uri target) =>
        new(e.Status, e.ErrorCode,
            $"Blob storage request for {target.GetLeftPart(UriPartial.Path)} failed: {(e.Status == 0 ? "no response" : e.Status)} {e.ErrorCode}".TrimEnd(),
            e);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created blob container {Container}")]
    private partial void LogContainerCreated(string container);

    [LoggerMessage(Level = LogLevel.Information, Message = "Set {Count} blob service CORS rules")]
    private partial void LogCorsRulesSet(int count);
}

/// <param name="Snapshot">
/// The read-only snapshot taken of exactly these bytes when they were sealed, on a blob service without versioning
/// (<see cref="BlobStorage.SealAsFoundAsync"/>); null otherwise.
/// </param>
public sealed record BlobProperties(long ContentLength, string ETag, DateTimeOffset LastModified, string? ContentMd5Base64, string? VersionId, string? ContentType,
    string? Snapshot = null);

public sealed record BlobItem(string Name, long ContentLength, string ETag, DateTimeOffset LastModified);

public sealed record BlockList(IReadOnlyList<Block> Committed, IReadOnlyList<Block> Uncommitted);

/// <summary>A block as the service lists it: the base64 block id the client chose, and its size in bytes.</summary>
public sealed record Block(string Id, long Size);

public sealed record CorsRule(IReadOnlyList<string> AllowedOrigins, IReadOnlyList<string> AllowedMethods, IReadOnlyList<string> AllowedHeaders, IReadOnlyList<string> ExposedHeaders, int MaxAgeSeconds);

/// <summary>
/// A blob service request failed with a status other than the documented "not found" cases. A
/// <see cref="RequestFailedException"/>, so <see cref="RequestFailedException.Status"/> (412 when a condition
/// failed) and <see cref="RequestFailedException.ErrorCode"/> (e.g. <c>ContainerNotFound</c>) read as the SDK's do.
/// </summary>
public sealed class StorageRequestException(int status, string? errorCode, string message, Exception? innerException = null)
    : RequestFailedException(status, message, errorCode, innerException);
