using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using FileApi.Storage;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Time.Testing;

namespace FileApi.Tests.Storage;

/// <summary>
/// What the links grant, read from their parameters without a service: the cases Azurite cannot show, such as
/// HTTPS-only links for an HTTPS endpoint and version-scoped download links.
/// </summary>
public sealed class LinkParameterTests
{
    private static readonly DateTimeOffset ExpiresOn = new(2031, 2, 3, 4, 5, 6, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2031, 2, 3, 3, 35, 6, TimeSpan.Zero));

    [Fact]
    public async Task UploadLinkGrantsReadAndWriteOnOneBlobOverHttpsFromFiveMinutesAgo()
    {
        var link = await Storage("https://myaccount.blob.core.windows.net").CreateUploadUriAsync("a b/c.txt", ExpiresOn, CancellationToken.None);

        var query = QueryHelpers.ParseQuery(link.Query);
        Assert.Equal("https://myaccount.blob.core.windows.net/files/a%20b/c.txt", link.GetLeftPart(UriPartial.Path));
        Assert.Equal(("b", "rw", "https"), (query["sr"].ToString(), query["sp"].ToString(), query["spr"].ToString()));
        Assert.Equal(("2031-02-03T03:30:06Z", "2031-02-03T04:05:06Z"), (query["st"].ToString(), query["se"].ToString()));
        Assert.False(query.ContainsKey("rscd"));
        Assert.True(query.ContainsKey("sig"));
    }

    [Fact]
    public async Task DownloadLinkIsReadOnlyAnAttachmentAndCanBeScopedToOneVersion()
    {
        var storage = Storage("http://127.0.0.1:10000/myaccount");

        var latest = QueryHelpers.ParseQuery((await storage.CreateDownloadUriAsync("a.txt", "a.txt", ExpiresOn, null, CancellationToken.None)).Query);
        var version = QueryHelpers.ParseQuery((await storage.CreateDownloadUriAsync("a.txt", "a.txt", ExpiresOn, "2031-01-01T00:00:00.0000000Z", CancellationToken.None)).Query);

        // An HTTP endpoint (the emulator) cannot be reached over HTTPS, so its links allow both.
        Assert.Equal(("r", "b", "https,http"), (latest["sp"].ToString(), latest["sr"].ToString(), latest["spr"].ToString()));
        Assert.Equal("attachment; filename=\"a.txt\"; filename*=UTF-8''a.txt", latest["rscd"]);
        Assert.False(latest.ContainsKey("versionid"));
        Assert.Equal(("r", "bv"), (version["sp"].ToString(), version["sr"].ToString()));
        Assert.Equal("2031-01-01T00:00:00.0000000Z", version["versionid"]);
    }

    [Fact]
    public async Task ASpaceInTheDispositionIsPercentEncodedSoClientsThatReencodeTheQueryKeepTheSignature()
    {
        var link = await Storage("https://myaccount.blob.core.windows.net")
            .CreateDownloadUriAsync("a.txt", "annual report + notes.pdf", ExpiresOn, null, CancellationToken.None);

        Assert.DoesNotContain('+', link.Query);
        Assert.Equal("attachment; filename=\"annual report + notes.pdf\"; filename*=UTF-8''annual%20report%20%2B%20notes.pdf",
            Uri.UnescapeDataString(link.Query.Split('&').Single(p => p.StartsWith("rscd=", StringComparison.Ordinal))["rscd=".Length..]));
    }

    [Theory]
    [InlineData("https://myaccount.blob.core.windows.net", "org/ws/file/1", null, null, null)]
    [InlineData("http://127.0.0.1:10000/myaccount", "folder/virtual host ✓ + 100%.txt", "text/plain", null, null)]
    [InlineData("https://myaccount.blob.core.windows.net", "a b/c.txt", null, "2031-01-01T00:00:00.0000000Z", null)]
    [InlineData("http://127.0.0.1:10000/myaccount", "org/ws/file/2", "text/plain", null, "2031-01-01T00:00:00.1234567Z")]
    public async Task LinksAreExactlyTheOnesTheSdkBuildsForTheSameGrant(string serviceUri, string blobName, string? contentType, string? versionId, string? snapshot)
    {
        var storage = Storage(serviceUri);

        var download = await storage.CreateDownloadUriAsync(blobName, "report ✓.pdf", contentType, ExpiresOn, versionId, snapshot, CancellationToken.None);
        var upload = await storage.CreateUploadUriAsync(blobName, ExpiresOn, CancellationToken.None);

        var blob = new BlobClient(storage.BlobUri(blobName), new StorageSharedKeyCredential("myaccount", AzuriteServer.EmulatorAccountKey));
        var grant = new BlobSasBuilder(BlobSasPermissions.Read, ExpiresOn)
        {
            BlobContainerName = "files",
            BlobName = blobName,
            Resource = versionId is not null ? "bv" : snapshot is not null ? "bs" : "b",
            BlobVersionId = versionId,
            Snapshot = snapshot,
            StartsOn = _clock.GetUtcNow().AddMinutes(-5),
            Protocol = serviceUri.StartsWith("https", StringComparison.Ordinal) ? SasProtocol.Https : SasProtocol.HttpsAndHttp,
            ContentDisposition = ContentDisposition.Attachment("report ✓.pdf"),
            ContentType = contentType,
        };
        var sdkDownload = (versionId is not null ? blob.WithVersion(versionId) : snapshot is not null ? blob.WithSnapshot(snapshot) : blob).GenerateSasUri(grant);
        grant.SetPermissions(BlobSasPermissions.Read | BlobSasPermissions.Write);
        (grant.Resource, grant.BlobVersionId, grant.Snapshot, grant.ContentDisposition, grant.ContentType) = ("b", null, null, null, null);
        var sdkUpload = blob.GenerateSasUri(grant);

        Assert.Equal(sdkDownload.AbsoluteUri.Replace("+", "%20", StringComparison.Ordinal), download.AbsoluteUri);
        Assert.Equal(sdkUpload.AbsoluteUri, upload.AbsoluteUri);
    }

    [Theory]
    [InlineData("a/./b")]
    [InlineData("../b")]
    [InlineData("a\\b")]
    [InlineData("")]
    public void BlobNamesTheServiceWouldReadDifferentlyAreRejected(string blobName)
    {
        Assert.ThrowsAny<ArgumentException>(() => Storage("https://myaccount.blob.core.windows.net").BlobUri(blobName));
    }

    private BlobStorage Storage(string serviceUri) => StorageTestContainer.CreateStorage(new StorageOptions
    {
        ServiceUri = new Uri(serviceUri),
        AccountName = "myaccount",
        AccountKey = AzuriteServer.EmulatorAccountKey,
        Container = "files",
    }, time: _clock);
}
