using System.Net.Http.Json;
using System.Text;
using FileApi.Files;

namespace FileApi.Tests.Infrastructure;

/// <summary>What a client does: register, upload straight to the SAS URL, tell the API via an event, read.</summary>
public static class TestData
{
    static readonly HttpClient Storage = AzuriteServer.CreateStorageClient();

    public static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    public static async Task<UploadResponse> RegisterAsync(this HttpClient api, string url)
    {
        using var response = await api.PutAsync(url, content: null);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<UploadResponse>(FileApiFactory.Json))!;
    }

    public static async Task<HttpResponseMessage> PutBlobAsync(Uri sas, byte[] content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, sas) { Content = new ByteArrayContent(content) };
        request.Headers.Add("x-ms-blob-type", "BlockBlob");
        return await Storage.SendAsync(request);
    }

    /// <summary>Breaks the blob's lease at once through the upload link, as its holder may (Lease Blob needs only write).</summary>
    public static async Task<HttpResponseMessage> BreakLeaseAsync(Uri sas)
    {
        using var request = LeaseRequest(sas, "break", proposedLeaseId: null);
        return await Storage.SendAsync(request);
    }

    /// <summary>A raw Lease Blob request through a SAS link: "acquire" (infinite) or "break" (at once).</summary>
    public static HttpRequestMessage LeaseRequest(Uri sas, string action, string? proposedLeaseId)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, sas.AbsoluteUri + "&comp=lease");
        request.Headers.Add("x-ms-version", FileApi.Storage.BlobStorage.ServiceVersion.ToString()[1..].Replace('_', '-'));
        request.Headers.Add("x-ms-lease-action", action);
        if (action == "acquire")
            request.Headers.Add("x-ms-lease-duration", "-1");
        else
            request.Headers.Add("x-ms-lease-break-period", "0");
        if (proposedLeaseId is not null)
            request.Headers.Add("x-ms-proposed-lease-id", proposedLeaseId);
        return request;
    }

    public static async Task<HttpResponseMessage> PutBlockAsync(Uri sas, string blockId, byte[] content)
    {
        var url = $"{sas}&comp=block&blockid={Uri.EscapeDataString(blockId)}";
        return await Storage.PutAsync(url, new ByteArrayContent(content));
    }

    public static async Task<HttpResponseMessage> PutBlockListAsync(Uri sas, IEnumerable<string> blockIds)
    {
        var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
        foreach (var id in blockIds)
            xml.Append("<Latest>").Append(id).Append("</Latest>");
        xml.Append("</BlockList>");
        return await Storage.PutAsync($"{sas}&comp=blocklist", new StringContent(xml.ToString(), Encoding.UTF8, "application/xml"));
    }

    public static Task<HttpResponseMessage> GetAsync(Uri url) => Storage.GetAsync(url);

    public static string BlockId(long offset) => Convert.ToBase64String(Encoding.ASCII.GetBytes(offset.ToString("D32")));

    /// <summary>The Event Grid-schema BlobCreated that Azure sends after a commit.</summary>
    public static object[] BlobCreated(string container, string blobName, string eTag = "\"0x1\"", long size = 0) =>
    [
        new Dictionary<string, object?>
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["topic"] = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/test/providers/Microsoft.Storage/storageAccounts/devstoreaccount1",
            ["subject"] = $"/blobServices/default/containers/{container}/blobs/{blobName}",
            ["eventType"] = "Microsoft.Storage.BlobCreated",
            ["eventTime"] = DateTimeOffset.UtcNow,
            ["data"] = new Dictionary<string, object?>
            {
                ["api"] = "PutBlockList",
                ["eTag"] = eTag,
                ["contentType"] = "application/octet-stream",
                ["contentLength"] = size,
                ["blobType"] = "BlockBlob",
                ["url"] = $"http://127.0.0.1/devstoreaccount1/{container}/{blobName}",
                ["sequencer"] = "00000000000000000000000000000001",
            },
            ["dataVersion"] = "",
            ["metadataVersion"] = "1",
        },
    ];

    /// <summary>Registers under <paramref name="path"/> (relative to the files base) and uploads with one Put Blob; no event yet.</summary>
    public static async Task<UploadResponse> RegisterAndPutAsync(this FileApiFactory factory, HttpClient api, string path, byte[] content, object? declaration = null)
    {
        var url = $"{factory.FilesBase}/{path}";
        using var response = declaration is null ? await api.PutAsync(url, null) : await api.PutAsJsonAsync(url, declaration);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var upload = (await response.Content.ReadFromJsonAsync<UploadResponse>(FileApiFactory.Json))!;
        using var put = await PutBlobAsync(upload.Upload, content);
        Assert.Equal(System.Net.HttpStatusCode.Created, put.StatusCode);
        return upload;
    }

    /// <summary>Registers, uploads and delivers the event: the version is ready.</summary>
    public static async Task<UploadResponse> UploadReadyAsync(this FileApiFactory factory, HttpClient api, string path, byte[] content, object? declaration = null)
    {
        var upload = await factory.RegisterAndPutAsync(api, path, content, declaration);
        using var delivered = await factory.DeliverEventsAsync(BlobCreated(factory.Container, BlobNameOf(factory, upload)));
        Assert.Equal(System.Net.HttpStatusCode.OK, delivered.StatusCode);
        return upload;
    }

    public static string BlobNameOf(FileApiFactory factory, UploadResponse upload) =>
        BlobNames.For(factory.OrganizationId, factory.WorkspaceId, upload.FileId, long.Parse(upload.VersionId));
}
