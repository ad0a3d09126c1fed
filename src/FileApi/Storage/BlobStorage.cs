// A small Azure Blob Storage REST client. The official Azure.Storage.Blobs SDK cannot be restored from our NuGet
// source (its dependency System.IO.Hashing is missing there), so this covers the few operations FileApi needs
// (container, properties, delete, block list, listing, CORS) and the SAS links clients upload and download with,
// on Azure.Core's HttpPipeline, which gives us the SDK's retry, timeout and logging behaviour.
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Xml.Linq;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Options;

namespace FileApi.Storage;

public sealed partial class BlobStorage
{
    // Get Block List reads the block list, which needs Read; Put Blob, Put Block and Put Block List need Write
    // (Create alone allows neither Put Block nor Put Block List nor overwriting on a retried Put Blob).
    // The SAS names a single blob (sr=b), so neither permission reaches any other blob.
    private const string UploadPermissions = "rw";
    private const string DownloadPermissions = "r";

    private readonly HttpPipeline _pipeline;
    private readonly BlobSasBuilder _sas;
    private readonly string _serviceUrl; // no trailing '/'
    private readonly ILogger<BlobStorage> _logger;

    public BlobStorage(IOptions<StorageOptions> options, ILogger<BlobStorage> logger)
        : this(options, logger, transport: null)
    {
    }

    internal BlobStorage(IOptions<StorageOptions> options, ILogger<BlobStorage> logger, HttpPipelineTransport? transport,
        TokenCredential? credential = null)
    {
        var settings = options.Value;
        HttpPipelinePolicy authentication;
        ISasSigner signer;
        if (settings.AccountKey is not null)
        {
            var accountKey = Convert.FromBase64String(settings.AccountKey);
            authentication = new SharedKeyPolicy(settings.AccountName, accountKey);
            signer = new AccountKeySasSigner(settings.AccountName, accountKey);
        }
        else
        {
            // Entra ID (Azure, where the account allows no shared key): requests carry the app's token and links
            // are signed with a user delegation key that the same token obtains.
            authentication = new BearerTokenAuthenticationPolicy(
                credential ?? FileApi.Auth.AppIdentity.Credential(settings.ManagedIdentityClientId), StorageScope);
            var longestLink = settings.UploadLinkLifetime > settings.DownloadLinkLifetime ? settings.UploadLinkLifetime : settings.DownloadLinkLifetime;
            var keys = new UserDelegationKeyCache(GetUserDelegationKeyAsync, longestLink, TimeProvider.System, logger);
            signer = new UserDelegationSasSigner(settings.AccountName, keys.KeyFor);
        }

        _logger = logger;
        ContainerName = settings.Container;
        _serviceUrl = settings.ServiceUri.AbsoluteUri.TrimEnd('/');
        _sas = new BlobSasBuilder(signer, ContainerName, httpsOnly: settings.ServiceUri.Scheme == Uri.UriSchemeHttps);

        var clientOptions = new PipelineOptions();
        if (transport is not null)
            clientOptions.Transport = transport;
        // These are small metadata requests (file bytes go from clients straight to storage), so a try that takes
        // longer than this is stuck and is better retried.
        clientOptions.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        _pipeline = HttpPipelineBuilder.Build(clientOptions, [], [authentication], new ResponseClassifier());
    }

    public string ContainerName { get; }

    /// <summary>
    /// The unsigned URL of a blob, each name segment percent-encoded. Pass URLs on as <see cref="Uri.AbsoluteUri"/>:
    /// <see cref="Uri.ToString"/> unescapes parts of them.
    /// </summary>
    public Uri BlobUri(string blobName)
    {
        ArgumentException.ThrowIfNullOrEmpty(blobName);
        if (blobName.Length > 1024)
            throw new ArgumentException("A blob name has at most 1024 characters.", nameof(blobName));
        // The service turns '\' into '/', and URL parsing drops "." and ".." segments; either way the blob
        // addressed would not be the one named (and signed) here.
        if (blobName.Contains('\\') || blobName.Split('/').Any(s => s is "." or ".."))
            throw new ArgumentException($"Blob name '{blobName}' has a '\\' or a '.'/'..' segment.", nameof(blobName));
        var path = string.Join('/', blobName.Split('/').Select(Uri.EscapeDataString));
        return new Uri($"{_serviceUrl}/{ContainerName}/{path}");
    }

    public async Task CreateContainerIfNotExistsAsync(CancellationToken ct)
    {
        using var message = CreateMessage(RequestMethod.Put, ContainerUrl("restype=container"));
        var response = await SendAsync(message, ct);
        if (response.Status == (int)HttpStatusCode.Created)
            LogContainerCreated(ContainerName);
        else if (!(response.Status == (int)HttpStatusCode.Conflict && ErrorCode(response) == "ContainerAlreadyExists"))
            throw Failure(message);
    }

    /// <summary>The committed blob's properties; null when there is none (uncommitted blocks only count as none).</summary>
    public async Task<BlobProperties?> GetPropertiesAsync(string blobName, CancellationToken ct)
    {
        using var message = CreateMessage(RequestMethod.Head, BlobUri(blobName));
        var response = await SendAsync(message, ct);
        if (IsBlobNotFound(response))
            return null;
        if (response.Status != (int)HttpStatusCode.OK)
            throw Failure(message);
        return new BlobProperties(
            // Not ContentLength: that is an int, and blobs outgrow it.
            response.Headers.ContentLengthLong ?? throw Unexpected(message, "no Content-Length"),
            QuotedETag(Header(response, "ETag") ?? throw Unexpected(message, "no ETag")),
            ParseHttpDate(Header(response, "Last-Modified") ?? throw Unexpected(message, "no Last-Modified")),
            Header(response, "Content-MD5"),
            Header(response, "x-ms-version-id"),
            Header(response, "Content-Type"));
    }

    /// <summary>Deletes the blob with its snapshots; false when there was no committed blob.</summary>
    public async Task<bool> DeleteIfExistsAsync(string blobName, CancellationToken ct)
    {
        using var message = CreateMessage(RequestMethod.Delete, BlobUri(blobName));
        message.Request.Headers.SetValue("x-ms-delete-snapshots", "include");
        var response = await SendAsync(message, ct);
        if (IsBlobNotFound(response))
            return false;
        if (response.Status != (int)HttpStatusCode.Accepted)
            throw Failure(message);
        return true;
    }

    public async Task<BlockList> GetBlockListAsync(string blobName, CancellationToken ct)
    {
        using var message = CreateMessage(RequestMethod.Get, WithQuery(BlobUri(blobName), "comp=blocklist&blocklisttype=all"));
        var response = await SendAsync(message, ct);
        if (IsBlobNotFound(response))
            return new BlockList([], []);
        if (response.Status != (int)HttpStatusCode.OK)
            throw Failure(message);
        var root = LoadXml(response).Root!;
        return new BlockList(Blocks(root.Element("CommittedBlocks")), Blocks(root.Element("UncommittedBlocks")));

        static List<Block> Blocks(XElement? blocks) =>
            blocks?.Elements("Block").Select(b => new Block((string)b.Element("Name")!, (long)b.Element("Size")!)).ToList() ?? [];
    }

    public IAsyncEnumerable<BlobItem> ListBlobsAsync(string? prefix, CancellationToken ct) =>
        ListBlobsAsync(prefix, pageSize: null, ct);

    internal async IAsyncEnumerable<BlobItem> ListBlobsAsync(string? prefix, int? pageSize,
        [EnumeratorCancellation] CancellationToken ct)
    {
        string? marker = null;
        do
        {
            var query = new StringBuilder("restype=container&comp=list");
            if (!string.IsNullOrEmpty(prefix))
                query.Append("&prefix=").Append(Uri.EscapeDataString(prefix));
            if (marker is not null)
                query.Append("&marker=").Append(Uri.EscapeDataString(marker));
            if (pageSize is not null)
                query.Append("&maxresults=").Append(pageSize.Value);

            using var message = CreateMessage(RequestMethod.Get, ContainerUrl(query.ToString()));
            var response = await SendAsync(message, ct);
            if (response.Status != (int)HttpStatusCode.OK)
                throw Failure(message);
            var root = LoadXml(response).Root!;
            foreach (var blob in root.Element("Blobs")?.Elements("Blob") ?? [])
            {
                var properties = blob.Element("Properties")!;
                yield return new BlobItem(
                    BlobName(blob.Element("Name")!),
                    (long)properties.Element("Content-Length")!,
                    QuotedETag((string)properties.Element("Etag")!),
                    ParseHttpDate((string)properties.Element("Last-Modified")!));
            }
            marker = (string?)root.Element("NextMarker") is { Length: > 0 } next ? next : null;
        } while (marker is not null);

        // Names with characters XML cannot carry come percent-encoded.
        static string BlobName(XElement name) =>
            (bool?)name.Attribute("Encoded") == true ? Uri.UnescapeDataString(name.Value) : name.Value;
    }

    /// <summary>
    /// Replaces the account's CORS rules, keeping its other blob service properties. The service has no ETag for
    /// them, so a concurrent change to another property between our read and write would be lost.
    /// </summary>
    public async Task SetCorsRulesAsync(IReadOnlyList<CorsRule> rules, CancellationToken ct)
    {
        var properties = await GetServicePropertiesAsync(ct);
        var cors = new XElement("Cors", rules.Select(rule => new XElement("CorsRule",
            new XElement("AllowedOrigins", string.Join(',', rule.AllowedOrigins)),
            new XElement("AllowedMethods", string.Join(',', rule.AllowedMethods)),
            new XElement("MaxAgeInSeconds", rule.MaxAgeSeconds),
            new XElement("ExposedHeaders", string.Join(',', rule.ExposedHeaders)),
            new XElement("AllowedHeaders", string.Join(',', rule.AllowedHeaders)))));
        var root = properties.Root!;
        if (root.Element("Cors") is { } existing)
            existing.ReplaceWith(cors);
        else if (new[] { "MinuteMetrics", "HourMetrics", "Logging" }.Select(n => root.Element(n)).FirstOrDefault(e => e is not null) is { } before)
            before.AddAfterSelf(cors); // the service expects the documented element order
        else
            root.AddFirst(cors);

        using var message = CreateMessage(RequestMethod.Put, ServiceUrl("restype=service&comp=properties"));
        message.Request.Headers.SetValue("Content-Type", "application/xml");
        message.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes(properties.ToString(SaveOptions.DisableFormatting)));
        var response = await SendAsync(message, ct);
        if (response.Status != (int)HttpStatusCode.Accepted)
            throw Failure(message);
        LogCorsRulesSet(rules.Count);
    }

    internal async Task<XDocument> GetServicePropertiesAsync(CancellationToken ct)
    {
        using var message = CreateMessage(RequestMethod.Get, ServiceUrl("restype=service&comp=properties"));
        var response = await SendAsync(message, ct);
        if (response.Status != (int)HttpStatusCode.OK)
            throw Failure(message);
        return LoadXml(response);
    }

    /// <summary>
    /// A link that can upload this one blob (Put Blob, or Put Block + Put Block List) and read its block list
    /// to resume an upload, until <paramref name="expiresOn"/>.
    /// </summary>
    public Uri CreateUploadUri(string blobName, DateTimeOffset expiresOn) =>
        _sas.Create(BlobUri(blobName), blobName, UploadPermissions, expiresOn);

    /// <summary>
    /// A read-only link to this one blob (or one version of it) that downloads as an attachment named
    /// <paramref name="downloadFileName"/>.
    /// </summary>
    public Uri CreateDownloadUri(string blobName, string downloadFileName, DateTimeOffset expiresOn, string? blobVersionId = null) =>
        _sas.Create(BlobUri(blobName), blobName, DownloadPermissions, expiresOn,
            ContentDisposition.Attachment(downloadFileName), blobVersionId);

    private Uri ContainerUrl(string query) => new($"{_serviceUrl}/{ContainerName}?{query}");

    private Uri ServiceUrl(string query) => new($"{_serviceUrl}/?{query}");

    private static Uri WithQuery(Uri uri, string query) => new($"{uri.AbsoluteUri}?{query}");

    private HttpMessage CreateMessage(RequestMethod method, Uri uri)
    {
        var message = _pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(uri);
        message.Request.Headers.SetValue("x-ms-version", BlobSasValues.Version);
        return message;
    }

    private async Task<Response> SendAsync(HttpMessage message, CancellationToken ct)
    {
        await _pipeline.SendAsync(message, ct);
        return message.Response;
    }

    private static bool IsBlobNotFound(Response response) =>
        response.Status == (int)HttpStatusCode.NotFound && ErrorCode(response) == "BlobNotFound";

    private static string? Header(Response response, string name) =>
        response.Headers.TryGetValue(name, out var value) ? value : null;

    // HEAD responses have no body, so the header is the only place the code is for them.
    private static string? ErrorCode(Response response) =>
        Header(response, "x-ms-error-code") ?? ErrorBody(response)?.Element("Code")?.Value;

    private static XElement? ErrorBody(Response response)
    {
        if (response.Content.ToMemory().IsEmpty)
            return null;
        try
        {
            return LoadXml(response).Root is { Name.LocalName: "Error" } error ? error : null;
        }
        catch (System.Xml.XmlException)
        {
            return null;
        }
    }

    private static XDocument LoadXml(Response response)
    {
        // Load from bytes rather than a string: the service starts XML bodies with a UTF-8 byte order mark.
        using var stream = response.Content.ToStream();
        return XDocument.Load(stream);
    }

    private static string QuotedETag(string etag) => etag.StartsWith('"') ? etag : $"\"{etag}\"";

    private static DateTimeOffset ParseHttpDate(string value) =>
        DateTimeOffset.ParseExact(value, "R", System.Globalization.CultureInfo.InvariantCulture);

    // The URL is logged without its query; ours carry no secrets, but the habit keeps SAS signatures out of logs.
    private static StorageRequestException Failure(HttpMessage message)
    {
        var response = message.Response;
        var code = ErrorCode(response);
        var detail = ErrorBody(response)?.Element("Message")?.Value.Split('\n')[0];
        return new StorageRequestException(response.Status, code,
            $"{message.Request.Method} {message.Request.Uri.ToUri().GetLeftPart(UriPartial.Path)} failed: " +
            $"{response.Status} {code ?? response.ReasonPhrase}{(detail is null ? "" : $" ({detail})")}");
    }

    private static StorageRequestException Unexpected(HttpMessage message, string problem) =>
        new(message.Response.Status, null,
            $"{message.Request.Method} {message.Request.Uri.ToUri().GetLeftPart(UriPartial.Path)}: unexpected response, {problem}.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Created blob container {Container}")]
    private partial void LogContainerCreated(string container);

    [LoggerMessage(Level = LogLevel.Information, Message = "Set {Count} blob service CORS rules")]
    private partial void LogCorsRulesSet(int count);

    private sealed class PipelineOptions : ClientOptions;
}

public sealed record BlobProperties(long ContentLength, string ETag, DateTimeOffset LastModified, string? ContentMd5Base64, string? VersionId, string? ContentType);

public sealed record BlobItem(string Name, long ContentLength, string ETag, DateTimeOffset LastModified);

public sealed record BlockList(IReadOnlyList<Block> Committed, IReadOnlyList<Block> Uncommitted);

/// <summary>A block as the service lists it: the base64 block id the client chose, and its size in bytes.</summary>
public sealed record Block(string Id, long Size);

public sealed record CorsRule(IReadOnlyList<string> AllowedOrigins, IReadOnlyList<string> AllowedMethods, IReadOnlyList<string> AllowedHeaders, IReadOnlyList<string> ExposedHeaders, int MaxAgeSeconds);

/// <summary>A blob service request failed with a status other than the documented "not found" cases.</summary>
public sealed class StorageRequestException(int status, string? errorCode, string message) : Exception(message)
{
    public int Status { get; } = status;

    /// <summary>The service's error code (e.g. <c>ContainerNotFound</c>), when it sent one.</summary>
    public string? ErrorCode { get; } = errorCode;
}
