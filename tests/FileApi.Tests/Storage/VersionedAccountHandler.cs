using System.Net;
using System.Text;
using System.Web;
using System.Xml.Linq;

namespace FileApi.Tests.Storage;

public sealed record SentRequest(HttpMethod Method, string Path, string Query, bool DeletesSnapshots);

/// <summary>Passes every request on to the real service and records what was sent.</summary>
public class RecordingHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly List<SentRequest> _sent = [];

    public IReadOnlyList<SentRequest> Sent
    {
        get
        {
            lock (_sent)
                return [.. _sent];
        }
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Record(request);
        return base.SendAsync(request, cancellationToken);
    }

    protected void Record(HttpRequestMessage request)
    {
        lock (_sent)
            _sent.Add(new(request.Method, request.RequestUri!.AbsolutePath, Uri.UnescapeDataString(request.RequestUri.Query),
                request.Headers.Contains("x-ms-delete-snapshots")));
    }
}

/// <summary>
/// Plays the one part of an account with blob versioning that Azurite lacks: List Blobs with
/// <c>include=versions</c> answers in the documented format with the versions given, and Delete Blob with a
/// <c>versionid</c> is recorded and answered 202. Every other request reaches Azurite.
/// </summary>
public sealed class VersionedAccountHandler(string blobName, string[] previous, string? current, string? longerName) : RecordingHandler
{
    private readonly List<string> _deletedVersions = [];

    /// <summary>Each version deleted, as <c>name?versionid=id</c>.</summary>
    public IReadOnlyList<string> DeletedVersions
    {
        get
        {
            lock (_deletedVersions)
                return [.. _deletedVersions];
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var query = HttpUtility.ParseQueryString(request.RequestUri!.Query);
        if (request.Method == HttpMethod.Get && query["comp"] == "list" && (query["include"] ?? "").Split(',').Contains("versions", StringComparer.OrdinalIgnoreCase))
        {
            Record(request);
            return Listing(request.RequestUri);
        }
        if (request.Method == HttpMethod.Delete && query["versionid"] is { } versionId)
        {
            var name = Uri.UnescapeDataString(request.RequestUri.AbsolutePath[(request.RequestUri.AbsolutePath.IndexOf(blobName, StringComparison.Ordinal))..]);
            Record(request);
            lock (_deletedVersions)
                _deletedVersions.Add($"{name}?versionid={versionId}");
            return Answer(HttpStatusCode.Accepted, null);
        }
        return await base.SendAsync(request, cancellationToken);
    }

    private HttpResponseMessage Listing(Uri requestUri)
    {
        IEnumerable<(string Name, string VersionId, bool IsCurrent)> versions =
        [
            .. previous.Select(id => (blobName, id, false)),
            .. current is null ? [] : new[] { (blobName, current, true) },
            .. longerName is null ? [] : new[] { (longerName, "2031-01-01T00:00:00.0000000Z", false) },
        ];
        var xml = new XElement("EnumerationResults",
            new XAttribute("ServiceEndpoint", requestUri.GetLeftPart(UriPartial.Authority) + "/"),
            new XAttribute("ContainerName", requestUri.Segments[^1]),
            new XElement("Prefix", blobName),
            new XElement("Blobs", versions.Select(v => new XElement("Blob",
                new XElement("Name", v.Name),
                new XElement("VersionId", v.VersionId),
                v.IsCurrent ? new XElement("IsCurrentVersion", "true") : null,
                new XElement("Properties",
                    new XElement("Creation-Time", "Wed, 01 Jan 2031 00:00:00 GMT"),
                    new XElement("Last-Modified", "Wed, 01 Jan 2031 00:00:00 GMT"),
                    new XElement("Etag", "0x8DDB0000000000"),
                    new XElement("Content-Length", 10),
                    new XElement("Content-Type", "application/octet-stream"),
                    new XElement("BlobType", "BlockBlob"))))),
            new XElement("NextMarker"));
        return Answer(HttpStatusCode.OK, "<?xml version=\"1.0\" encoding=\"utf-8\"?>" + xml.ToString(SaveOptions.DisableFormatting));
    }

    private static HttpResponseMessage Answer(HttpStatusCode status, string? xml)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(xml ?? "", Encoding.UTF8, "application/xml") };
        response.Headers.Add("x-ms-request-id", Guid.NewGuid().ToString());
        response.Headers.Add("x-ms-version", "2026-06-06");
        return response;
    }
}
