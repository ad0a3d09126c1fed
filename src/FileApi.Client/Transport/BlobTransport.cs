// Blob storage through SAS links, in plain REST. The official Azure.Storage.Blobs SDK cannot be restored from our
// NuGet source (its dependency System.IO.Hashing is missing there), so the four operations uploads and downloads
// need (Put Block, Put Block List, Get Block List, ranged GET) are written here.

using System.Globalization;
using System.Net;
using System.Text;
using System.Xml.Linq;
using Polly;

namespace FileApi.Client.Transport;

/// <summary>Requests to blob storage through a SAS link, which carries all their authorisation.</summary>
sealed class BlobTransport(HttpClient http, FileApiRetryOptions retry)
{
    const string ServiceVersion = "2021-08-06";
    const int MaxRenewalsPerAttempt = 2;

    readonly ResiliencePipeline<HttpResponseMessage> _retry = Retries.Create(retry);

    /// <summary>
    /// Sends with retries (network errors, 408, 429, 5xx). A 403 means the link expired or was revoked: the link is
    /// renewed and the request sent again at once.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(RenewableLink link, Func<Uri, HttpRequestMessage> build, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        try
        {
            return await _retry.ExecuteAsync(async token =>
            {
                for (var renewals = 0; ; renewals++)
                {
                    var uri = await link.CurrentAsync(token);
                    using var request = build(uri);
                    request.Headers.Add("x-ms-version", ServiceVersion);
                    var response = await http.SendAsync(request, completion, token);
                    if (response.StatusCode != HttpStatusCode.Forbidden || renewals == MaxRenewalsPerAttempt)
                        return response;
                    response.Dispose();
                    await link.RenewAsync(uri, token);
                }
            }, cancellationToken);
        }
        catch (Exception exception) when (Retries.IsTransient(exception, cancellationToken))
        {
            throw FileApiException.Network(exception);
        }
    }

    public static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
            throw await FileApiException.FromResponseAsync(response, FileApiProblemTypes.StorageError, cancellationToken);
    }

    /// <summary>The Evo SDK's scheme: base64 of the block's byte offset as 32 zero-padded digits, so either client can resume the other's upload.</summary>
    public static string BlockId(long offset) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(offset.ToString("D32", CultureInfo.InvariantCulture)));

    public static HttpRequestMessage PutBlock(Uri sas, string blockId, HttpContent content) =>
        new(HttpMethod.Put, WithQuery(sas, "comp=block&blockid=" + Uri.EscapeDataString(blockId))) { Content = content };

    public static HttpRequestMessage PutBlockList(Uri sas, IEnumerable<string> blockIds)
    {
        var xml = new XElement("BlockList", blockIds.Select(id => new XElement("Latest", id)));
        var body = "<?xml version=\"1.0\" encoding=\"utf-8\"?>" + xml.ToString(SaveOptions.DisableFormatting);
        return new(HttpMethod.Put, WithQuery(sas, "comp=blocklist")) { Content = new StringContent(body, Encoding.UTF8, "application/xml") };
    }

    public static HttpRequestMessage GetBlockList(Uri sas) => new(HttpMethod.Get, WithQuery(sas, "comp=blocklist&blocklisttype=all"));

    /// <summary>Every block storage holds for the blob, committed or not, by id with its size. No blob yet (404) is no blocks.</summary>
    public static async Task<IReadOnlyDictionary<string, long>> ReadBlockListAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.StatusCode == HttpStatusCode.NotFound)
            return new Dictionary<string, long>();
        await EnsureSuccessAsync(response, cancellationToken);
        var document = XDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return document.Descendants("Block")
            .Select(block => (Name: (string?)block.Element("Name"), Size: (long?)block.Element("Size")))
            .Where(block => block.Name is not null && block.Size is not null)
            .GroupBy(block => block.Name!)
            .ToDictionary(group => group.Key, group => group.First().Size!.Value);
    }

    public static HttpRequestMessage GetRange(Uri sas, long offset)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, sas);
        request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(offset, null);
        return request;
    }

    static Uri WithQuery(Uri sas, string query) =>
        new(sas.AbsoluteUri + (string.IsNullOrEmpty(sas.Query) ? "?" : "&") + query);
}
