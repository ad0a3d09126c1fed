using System.Net;
using FileApi.Storage;
using FileApi.Tests.Infrastructure;
using static FileApi.Tests.Storage.SasRequests;
using static FileApi.Tests.Storage.StorageTestContainer;

namespace FileApi.Tests.Storage;

public sealed class UploadSasTests(StorageTestContainer container) : IClassFixture<StorageTestContainer>
{
    private readonly BlobStorage _storage = container.Storage;
    private readonly HttpClient _client = container.Client;

    [Fact]
    public async Task UploadSasAcceptsASinglePutBlob()
    {
        var name = UniqueBlobName();
        var content = RandomBytes(1000);

        using var response = await _client.PutBlobAsync(await _storage.CreateUploadUriAsync(name, InAnHour, CancellationToken.None), content, "image/png");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var properties = await _storage.GetPropertiesAsync(name, CancellationToken.None);
        Assert.NotNull(properties);
        Assert.Equal(1000, properties.ContentLength);
        Assert.Equal(response.Headers.ETag?.Tag, properties.ETag);
        Assert.Equal(Convert.ToBase64String(System.Security.Cryptography.MD5.HashData(content)), properties.ContentMd5Base64);
        Assert.Equal("image/png", properties.ContentType);
    }

    [Fact]
    public async Task UploadSasAcceptsPutBlockAndPutBlockList()
    {
        var name = UniqueBlobName();
        var sas = await _storage.CreateUploadUriAsync(name, InAnHour, CancellationToken.None);

        using (var first = await _client.PutBlockAsync(sas, BlockId(0), RandomBytes(300)))
            Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        using (var second = await _client.PutBlockAsync(sas, BlockId(1), RandomBytes(200)))
            Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        using var commit = await _client.PutBlockListAsync(sas, [BlockId(0), BlockId(1)]);

        Assert.Equal(HttpStatusCode.Created, commit.StatusCode);
        var properties = await _storage.GetPropertiesAsync(name, CancellationToken.None);
        Assert.Equal(500, properties?.ContentLength);
        Assert.Equal(commit.Headers.ETag?.Tag, properties?.ETag);
    }

    [Fact]
    public async Task UploadSasCanReadTheBlockListIncludingUncommittedBlocks()
    {
        var sas = await _storage.CreateUploadUriAsync(UniqueBlobName(), InAnHour, CancellationToken.None);
        (await _client.PutBlockAsync(sas, BlockId(0), RandomBytes(42))).EnsureSuccessStatusCode();

        using var response = await _client.GetBlockListAsync(sas);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains($"<UncommittedBlocks><Block><Name>{BlockId(0)}</Name><Size>42</Size></Block></UncommittedBlocks>", body);
    }

    [Fact]
    public async Task UploadSasCannotWriteAnotherBlob()
    {
        var other = UniqueBlobName();
        var sas = ForOtherBlob(await _storage.CreateUploadUriAsync(UniqueBlobName(), InAnHour, CancellationToken.None), other);

        using var putBlob = await _client.PutBlobAsync(sas, RandomBytes(10));
        using var putBlock = await _client.PutBlockAsync(sas, BlockId(0), RandomBytes(10));

        Assert.Equal(HttpStatusCode.Forbidden, putBlob.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, putBlock.StatusCode);
        Assert.Null(await _storage.GetPropertiesAsync(other, CancellationToken.None));
        Assert.Empty((await _storage.GetBlockListAsync(other, CancellationToken.None)).Uncommitted);
    }

    [Fact]
    public async Task UploadSasCannotReadAnotherBlob()
    {
        var other = UniqueBlobName();
        (await _client.PutBlobAsync(await _storage.CreateUploadUriAsync(other, InAnHour, CancellationToken.None), RandomBytes(10))).EnsureSuccessStatusCode();
        var sas = ForOtherBlob(await _storage.CreateUploadUriAsync(UniqueBlobName(), InAnHour, CancellationToken.None), other);

        using var download = await _client.GetBlobAsync(sas);
        using var blockList = await _client.GetBlockListAsync(sas);

        Assert.Equal(HttpStatusCode.Forbidden, download.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, blockList.StatusCode);
    }

    [Fact]
    public async Task UploadSasIsRefusedOnceItHasExpired()
    {
        var shortLived = AzuriteServer.Instance.For(container.Options.Container);
        shortLived.UploadLinkLifetime = TimeSpan.FromSeconds(5);
        var storage = CreateStorage(shortLived);
        var expiresOn = DateTimeOffset.UtcNow + shortLived.UploadLinkLifetime;
        var sas = await storage.CreateUploadUriAsync(UniqueBlobName(), expiresOn, CancellationToken.None);
        using (var beforeExpiry = await _client.PutBlockAsync(sas, BlockId(0), RandomBytes(10)))
            Assert.Equal(HttpStatusCode.Created, beforeExpiry.StatusCode);

        // se is signed in whole seconds; wait until the service's clock is surely past it.
        await Task.Delay(expiresOn - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1.5));
        using var afterExpiry = await _client.PutBlockAsync(sas, BlockId(1), RandomBytes(10));

        Assert.Equal(HttpStatusCode.Forbidden, afterExpiry.StatusCode);
    }

    [Fact]
    public async Task UploadSasWorksForBlobNamesWithSpacesAndUnicode()
    {
        var name = $"{UniqueBlobName()}/Ünïcødé naïve résumé ✓ 文件 + & = %.pdf";

        using var response = await _client.PutBlobAsync(await _storage.CreateUploadUriAsync(name, InAnHour, CancellationToken.None), RandomBytes(64));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(64, (await _storage.GetPropertiesAsync(name, CancellationToken.None))?.ContentLength);
    }
}
