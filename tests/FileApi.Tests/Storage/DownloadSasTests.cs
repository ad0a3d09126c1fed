using System.Net;
using FileApi.Storage;
using static FileApi.Tests.Storage.SasRequests;
using static FileApi.Tests.Storage.StorageTestContainer;

namespace FileApi.Tests.Storage;

public sealed class DownloadSasTests(StorageTestContainer container) : IClassFixture<StorageTestContainer>
{
    private readonly BlobStorage _storage = container.Storage;
    private readonly HttpClient _client = container.Client;

    [Theory]
    [InlineData("report.pdf", "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf")]
    [InlineData("a + b.txt", "attachment; filename=\"a + b.txt\"; filename*=UTF-8''a%20%2B%20b.txt")]
    [InlineData("Résumé \"final\" v2\\3.pdf",
        "attachment; filename=\"R_sum_ _final_ v2_3.pdf\"; filename*=UTF-8''R%C3%A9sum%C3%A9%20%22final%22%20v2%5C3.pdf")]
    [InlineData("年度報告 🙂.xlsx",
        "attachment; filename=\"____ _.xlsx\"; filename*=UTF-8''%E5%B9%B4%E5%BA%A6%E5%A0%B1%E5%91%8A%20%F0%9F%99%82.xlsx")]
    public async Task DownloadSasReturnsTheBytesAsAnAttachmentWithTheFileName(string fileName, string expectedDisposition)
    {
        var name = $"{UniqueBlobName()}/stored name ✓";
        var content = RandomBytes(2048);
        (await _client.PutBlobAsync(await _storage.CreateUploadUriAsync(name, InAnHour, CancellationToken.None), content)).EnsureSuccessStatusCode();

        using var response = await _client.GetBlobAsync(await _storage.CreateDownloadUriAsync(name, fileName, InAnHour, null, CancellationToken.None));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(content, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(expectedDisposition, response.Content.Headers.NonValidated["Content-Disposition"].ToString());
    }

    [Fact]
    public async Task DownloadSasCannotPutBlobOrPutBlock()
    {
        var name = UniqueBlobName();
        var original = RandomBytes(10);
        (await _client.PutBlobAsync(await _storage.CreateUploadUriAsync(name, InAnHour, CancellationToken.None), original)).EnsureSuccessStatusCode();
        var sas = await _storage.CreateDownloadUriAsync(name, "file.bin", InAnHour, null, CancellationToken.None);

        using var putBlob = await _client.PutBlobAsync(sas, RandomBytes(10));
        using var putBlock = await _client.PutBlockAsync(sas, BlockId(0), RandomBytes(10));

        Assert.Equal(HttpStatusCode.Forbidden, putBlob.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, putBlock.StatusCode);
        Assert.Empty((await _storage.GetBlockListAsync(name, CancellationToken.None)).Uncommitted);
        using var download = await _client.GetBlobAsync(sas);
        Assert.Equal(original, await download.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task DownloadSasCannotReadAnotherBlob()
    {
        var other = UniqueBlobName();
        (await _client.PutBlobAsync(await _storage.CreateUploadUriAsync(other, InAnHour, CancellationToken.None), RandomBytes(10))).EnsureSuccessStatusCode();

        using var response = await _client.GetBlobAsync(
            ForOtherBlob(await _storage.CreateDownloadUriAsync(UniqueBlobName(), "a.txt", InAnHour, null, CancellationToken.None), other));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }
}
