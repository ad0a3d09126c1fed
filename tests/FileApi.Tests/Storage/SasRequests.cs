using System.Net.Http.Headers;
using System.Text;
using System.Xml.Linq;

namespace FileApi.Tests.Storage;

/// <summary>The blob REST calls a client makes with nothing but a SAS URL.</summary>
public static class SasRequests
{
    public static Task<HttpResponseMessage> PutBlobAsync(this HttpClient client, Uri sas, byte[] content, string contentType = "application/octet-stream")
    {
        var request = Request(HttpMethod.Put, sas.AbsoluteUri);
        request.Headers.Add("x-ms-blob-type", "BlockBlob");
        request.Content = Body(content, contentType);
        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PutBlockAsync(this HttpClient client, Uri sas, string blockId, byte[] content)
    {
        var request = Request(HttpMethod.Put, $"{sas.AbsoluteUri}&comp=block&blockid={Uri.EscapeDataString(blockId)}");
        request.Content = Body(content, "application/octet-stream");
        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> PutBlockListAsync(this HttpClient client, Uri sas, IEnumerable<string> blockIds)
    {
        var request = Request(HttpMethod.Put, $"{sas.AbsoluteUri}&comp=blocklist");
        var xml = new XElement("BlockList", blockIds.Select(id => new XElement("Latest", id)));
        request.Content = Body(Encoding.UTF8.GetBytes(xml.ToString()), "application/xml");
        return client.SendAsync(request);
    }

    public static Task<HttpResponseMessage> GetBlockListAsync(this HttpClient client, Uri sas) =>
        client.SendAsync(Request(HttpMethod.Get, $"{sas.AbsoluteUri}&comp=blocklist&blocklisttype=all"));

    public static Task<HttpResponseMessage> GetBlobAsync(this HttpClient client, Uri sas) =>
        client.SendAsync(Request(HttpMethod.Get, sas.AbsoluteUri));

    /// <summary>The same URL with the blob name (last path segment) replaced: a SAS pointed at another blob.</summary>
    public static Uri ForOtherBlob(Uri sas, string otherBlobName)
    {
        var path = sas.AbsolutePath;
        return new Uri($"{sas.GetLeftPart(UriPartial.Authority)}{path[..(path.LastIndexOf('/') + 1)]}{Uri.EscapeDataString(otherBlobName)}{sas.Query}");
    }

    public static string BlockId(int index) => Convert.ToBase64String(Encoding.ASCII.GetBytes($"block-{index:D6}"));

    public static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    private static HttpRequestMessage Request(HttpMethod method, string url)
    {
        var request = new HttpRequestMessage(method, url);
        request.Headers.Add("x-ms-version", "2025-11-05");
        return request;
    }

    private static ByteArrayContent Body(byte[] content, string contentType)
    {
        var body = new ByteArrayContent(content);
        body.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return body;
    }
}
