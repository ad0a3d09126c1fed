using System.Net;
using Yarp.ReverseProxy.Forwarder;

namespace FileApi.LocalEventGrid;

/// <summary>
/// A write the blob service answered as committed: the blob now exists with new content. <paramref name="Stored"/> is the
/// blob's length and content type when the request itself says them (a Put Blob carries the whole blob), else null.
/// </summary>
public sealed record BlobCommit(string Api, string Container, string BlobName, string ETag, string? ClientRequestId, string? RequestId, string BlobType, Uri Url,
    StoredAs? Stored = null);

public sealed record StoredAs(long Length, string ContentType);

public static class BlobCommits
{
    /// <summary>
    /// The operations that raise BlobCreated in Azure: Put Blob and Put Blob From URL (201), Put Block List (201) and a
    /// Copy Blob that completed (202 with <c>x-ms-copy-status: success</c>, which Azurite's same-account copy always is).
    /// Put Block, Put Block From URL, metadata, leases, tiers and anything refused raise nothing.
    /// </summary>
    public static BlobCommit? Recognise(HttpRequest request, HttpResponseMessage response)
    {
        if (!HttpMethods.IsPut(request.Method) || request.Query.ContainsKey("restype"))
            return null;
        var comp = request.Query["comp"].ToString();
        var copySource = request.Headers.ContainsKey("x-ms-copy-source");
        var blobType = request.Headers["x-ms-blob-type"].ToString();
        var api = (comp, copySource, response.StatusCode) switch
        {
            ("blocklist", _, HttpStatusCode.Created) => "PutBlockList",
            ("", true, HttpStatusCode.Created) when blobType.Length > 0 => "PutBlobFromUrl",
            ("", true, HttpStatusCode.Accepted) when Header(response, "x-ms-copy-status") == "success" => "CopyBlob",
            ("", false, HttpStatusCode.Created) => "PutBlob",
            _ => null,
        };
        if (api is null || !TrySplit(request.Path.Value, out var container, out var blobName))
            return null;
        var url = new UriBuilder(request.Scheme, request.Host.Host, request.Host.Port ?? -1, request.PathBase + request.Path).Uri;
        return new BlobCommit(api, container, blobName, Header(response, "ETag") ?? "", request.Headers["x-ms-client-request-id"].FirstOrDefault(),
            Header(response, "x-ms-request-id"), api == "PutBlockList" || blobType.Length == 0 ? "BlockBlob" : blobType, url,
            api == "PutBlob" ? StoredByPutBlob(request) : null);
    }

    /// <summary>
    /// A block blob's Put Blob stores exactly its body, so the event needs no read of the blob (one round trip less before it
    /// is delivered); its content type is the one the request names, unless it names two that differ, which a read settles.
    /// </summary>
    static StoredAs? StoredByPutBlob(HttpRequest request)
    {
        var named = new[] { request.Headers["x-ms-blob-content-type"].ToString(), request.ContentType ?? "" }.Where(t => t.Length > 0).Distinct().ToList();
        if (request.ContentLength is not { } length || named.Count > 1 || request.Headers["x-ms-blob-type"] != "BlockBlob")
            return null;
        return new StoredAs(length, named.SingleOrDefault() ?? "application/octet-stream");
    }

    // Path style, as Azurite is addressed locally: /{account}/{container}/{blob name, which may hold slashes}.
    static bool TrySplit(string? path, out string container, out string blobName)
    {
        container = blobName = "";
        var parts = (path ?? "").TrimStart('/').Split('/', 3);
        if (parts.Length < 3 || parts[1].Length == 0 || parts[2].Length == 0)
            return false;
        (container, blobName) = (parts[1], parts[2]);
        return true;
    }

    static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}

/// <summary>
/// Forwards everything as it came, and hands each commit to <see cref="EventDelivery"/> before the client sees the
/// answer, so an event is always on its way by the time an upload returns.
/// </summary>
public sealed class CommitTransformer(EventDelivery delivery) : HttpTransformer
{
    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var copyBody = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        if (proxyResponse is not null && BlobCommits.Recognise(httpContext.Request, proxyResponse) is { } commit)
            delivery.Raise(commit);
        return copyBody;
    }
}
