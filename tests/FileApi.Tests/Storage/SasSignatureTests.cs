using System.Text.Json;
using FileApi.Storage;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.WebUtilities;

namespace FileApi.Tests.Storage;

/// <summary>SAS links checked without a service: their parameters, and their signatures against the official JS SDK.</summary>
public sealed class SasSignatureTests
{
    private const string Container = "files";
    private static readonly DateTimeOffset ExpiresOn = new(2031, 2, 3, 4, 5, 6, TimeSpan.Zero);

    [Fact]
    public async Task SignaturesMatchTheOfficialJsSdkForUploadDownloadAndVersionLinks()
    {
        var storage = Storage("https://myaccount.blob.core.windows.net");
        var blobName = "tenant 1/ünïcødé ✓/file + name.pdf";
        Uri[] links =
        [
            storage.CreateUploadUri(blobName, ExpiresOn),
            storage.CreateDownloadUri(blobName, "Résumé \"final\" 🙂.pdf", ExpiresOn),
            storage.CreateDownloadUri(blobName, "report.pdf", ExpiresOn, blobVersionId: "2031-01-02T03:04:05.6789012Z"),
            Storage("http://127.0.0.1:10000/myaccount").CreateUploadUri(blobName, ExpiresOn),
        ];
        var queries = links.Select(link => QueryHelpers.ParseQuery(link.Query)).ToList();
        var cases = queries.Select(query => new
        {
            containerName = Container,
            blobName,
            permissions = query["sp"].ToString(),
            startsOn = query["st"].ToString(),
            expiresOn = query["se"].ToString(),
            protocol = query["spr"].ToString(),
            version = query["sv"].ToString(),
            versionId = query.TryGetValue("versionid", out var version) ? version.ToString() : null,
            contentDisposition = query.TryGetValue("rscd", out var disposition) ? disposition.ToString() : null,
        });
        var input = JsonSerializer.Serialize(new { accountName = "myaccount", accountKey = AzuriteServer.EmulatorAccountKey, cases });

        var output = await Node.RunScriptAsync(Path.Combine("Storage", "js", "sas-signature.js"), input);

        Assert.Equal(JsonSerializer.Deserialize<string[]>(output), queries.Select(query => query["sig"].ToString()));
    }

    [Fact]
    public void UploadLinkGrantsReadAndWriteOnOneBlobFromFiveMinutesAgo()
    {
        var before = DateTimeOffset.UtcNow;
        var link = Storage("https://myaccount.blob.core.windows.net").CreateUploadUri("a b/c.txt", ExpiresOn);

        var query = QueryHelpers.ParseQuery(link.Query);
        Assert.Equal("https://myaccount.blob.core.windows.net/files/a%20b/c.txt", link.GetLeftPart(UriPartial.Path));
        Assert.Equal("b", query["sr"]);
        Assert.Equal("rw", query["sp"]);
        Assert.Equal("https", query["spr"]);
        Assert.Equal("2025-11-05", query["sv"]);
        Assert.Equal("2031-02-03T04:05:06Z", query["se"]);
        var start = DateTimeOffset.Parse(query["st"].ToString());
        Assert.InRange(start, before.AddMinutes(-5).AddSeconds(-1), before.AddMinutes(-5).AddSeconds(60));
        Assert.False(query.ContainsKey("rscd"));
    }

    [Fact]
    public void DownloadLinkIsReadOnlyAndCanBeScopedToOneVersion()
    {
        var storage = Storage("http://127.0.0.1:10000/myaccount");

        var latest = QueryHelpers.ParseQuery(storage.CreateDownloadUri("a.txt", "a.txt", ExpiresOn).Query);
        var version = QueryHelpers.ParseQuery(storage.CreateDownloadUri("a.txt", "a.txt", ExpiresOn, "2031-01-01T00:00:00.0000000Z").Query);

        Assert.Equal(("r", "b", "https,http"), (latest["sp"].ToString(), latest["sr"].ToString(), latest["spr"].ToString()));
        Assert.Equal("attachment; filename=\"a.txt\"; filename*=UTF-8''a.txt", latest["rscd"]);
        Assert.False(latest.ContainsKey("versionid"));
        Assert.Equal(("r", "bv"), (version["sp"].ToString(), version["sr"].ToString()));
        Assert.Equal("2031-01-01T00:00:00.0000000Z", version["versionid"]);
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

    private static BlobStorage Storage(string serviceUri) => StorageTestContainer.CreateStorage(new StorageOptions
    {
        ServiceUri = new Uri(serviceUri),
        AccountName = "myaccount",
        AccountKey = AzuriteServer.EmulatorAccountKey,
        Container = Container,
    });
}
