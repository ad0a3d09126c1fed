using System.Net;
using FileApi.Storage;
using FileApi.Tests.Infrastructure;
using static FileApi.Tests.Storage.SasRequests;
using static FileApi.Tests.Storage.StorageTestContainer;

namespace FileApi.Tests.Storage;

public sealed class BlobStorageTests(StorageTestContainer container) : IClassFixture<StorageTestContainer>
{
    private readonly BlobStorage _storage = container.Storage;

    [Fact]
    public async Task CreatingTheContainerAgainSucceeds()
    {
        await _storage.CreateContainerIfNotExistsAsync(CancellationToken.None);
        await _storage.CreateContainerIfNotExistsAsync(CancellationToken.None);
    }

    [Fact]
    public async Task PropertiesOfAMissingBlobAreNull()
    {
        Assert.Null(await _storage.GetPropertiesAsync(UniqueBlobName(), CancellationToken.None));
    }

    [Fact]
    public async Task PropertiesOfABlobWithOnlyUncommittedBlocksAreNull()
    {
        var name = UniqueBlobName();
        await PutBlock(name, BlockId(0));

        Assert.Null(await _storage.GetPropertiesAsync(name, CancellationToken.None));
    }

    [Fact]
    public async Task DeleteRemovesTheBlobAndThenReportsNothingDeleted()
    {
        var name = UniqueBlobName();
        await PutBlob(name, RandomBytes(10));

        Assert.True(await _storage.DeleteIfExistsAsync(name, CancellationToken.None));
        Assert.Null(await _storage.GetPropertiesAsync(name, CancellationToken.None));
        Assert.False(await _storage.DeleteIfExistsAsync(name, CancellationToken.None));
    }

    [Fact]
    public async Task DeleteAlsoRemovesSnapshots()
    {
        var name = UniqueBlobName();
        var sas = _storage.CreateUploadUri(name, InAnHour);
        (await container.Client.PutBlobAsync(sas, RandomBytes(10))).EnsureSuccessStatusCode();
        // Write permission lets the uploader snapshot its blob; the service refuses to delete a blob with
        // snapshots unless told to delete them too.
        (await container.Client.SendAsync(new HttpRequestMessage(HttpMethod.Put, sas.AbsoluteUri + "&comp=snapshot"))).EnsureSuccessStatusCode();

        Assert.True(await _storage.DeleteIfExistsAsync(name, CancellationToken.None));
        Assert.Null(await _storage.GetPropertiesAsync(name, CancellationToken.None));
    }

    [Fact]
    public async Task BlockListOfAMissingBlobIsEmpty()
    {
        var blocks = await _storage.GetBlockListAsync(UniqueBlobName(), CancellationToken.None);

        Assert.Empty(blocks.Committed);
        Assert.Empty(blocks.Uncommitted);
    }

    [Fact]
    public async Task BlockListShowsCommittedAndUncommittedBlocksWithTheirSizes()
    {
        var name = UniqueBlobName();
        var sas = _storage.CreateUploadUri(name, InAnHour);
        (await container.Client.PutBlockAsync(sas, BlockId(0), RandomBytes(100))).EnsureSuccessStatusCode();
        (await container.Client.PutBlockListAsync(sas, [BlockId(0)])).EnsureSuccessStatusCode();
        (await container.Client.PutBlockAsync(sas, BlockId(1), RandomBytes(7))).EnsureSuccessStatusCode();

        var blocks = await _storage.GetBlockListAsync(name, CancellationToken.None);

        Assert.Equal([new Block(BlockId(0), 100)], blocks.Committed);
        Assert.Equal([new Block(BlockId(1), 7)], blocks.Uncommitted);
    }

    [Fact]
    public async Task ListingPagesThroughEveryBlobUnderThePrefix()
    {
        var prefix = UniqueBlobName("/");
        string[] names = [.. Enumerable.Range(0, 5).Select(i => $"{prefix}{i}")];
        foreach (var name in names)
            await PutBlob(name, RandomBytes(3));
        await PutBlob(UniqueBlobName(), RandomBytes(3));

        var listed = await _storage.ListBlobsAsync(prefix, pageSize: 2, CancellationToken.None).ToListAsync();

        Assert.Equal(names, listed.Select(b => b.Name));
        Assert.All(listed, b => Assert.Equal(3, b.ContentLength));
        var properties = await _storage.GetPropertiesAsync(names[0], CancellationToken.None);
        Assert.Equal(properties!.ETag, listed[0].ETag);
        Assert.Equal(properties.LastModified, listed[0].LastModified);
    }

    [Fact]
    public async Task SharedKeySignsPathsAndQueriesWithSpacesUnicodeAndReservedCharacters()
    {
        var prefix = $"{UniqueBlobName()}/dír with spaces ✓ +&=%#?;@$,'!()*~[]";
        var name = $"{prefix}/日本語 ファイル 🙂.txt";
        var bytes = RandomBytes(33);
        await PutBlob(name, bytes);

        var properties = await _storage.GetPropertiesAsync(name, CancellationToken.None);
        var listed = await _storage.ListBlobsAsync(prefix, CancellationToken.None).ToListAsync();
        var blocks = await _storage.GetBlockListAsync(name, CancellationToken.None);
        var deleted = await _storage.DeleteIfExistsAsync(name, CancellationToken.None);

        Assert.Equal(33, properties?.ContentLength);
        Assert.Equal([name], listed.Select(b => b.Name));
        Assert.Empty(blocks.Uncommitted);
        Assert.True(deleted);
    }

    [Fact]
    public async Task RequestsToAMissingContainerFailWithTheServiceErrorCode()
    {
        var storage = CreateStorage(AzuriteServer.Instance.For($"missing-{Guid.NewGuid():N}"));

        var error = await Assert.ThrowsAsync<StorageRequestException>(
            () => storage.GetBlockListAsync("blob", CancellationToken.None));

        Assert.Equal(404, error.Status);
        Assert.Equal("ContainerNotFound", error.ErrorCode);
    }

    [Fact]
    public async Task RequestsSignedWithAnotherKeyFailAsForbidden()
    {
        var wrongKey = AzuriteServer.Instance.For(container.Options.Container);
        wrongKey.AccountKey = Convert.ToBase64String(RandomBytes(64));
        var storage = CreateStorage(wrongKey);

        var error = await Assert.ThrowsAsync<StorageRequestException>(
            () => storage.GetBlockListAsync("blob", CancellationToken.None));

        Assert.Equal((int)HttpStatusCode.Forbidden, error.Status);
    }

    private async Task PutBlob(string name, byte[] content)
    {
        using var response = await container.Client.PutBlobAsync(_storage.CreateUploadUri(name, InAnHour), content);
        response.EnsureSuccessStatusCode();
    }

    private async Task PutBlock(string name, string blockId)
    {
        using var response = await container.Client.PutBlockAsync(_storage.CreateUploadUri(name, InAnHour), blockId, RandomBytes(5));
        response.EnsureSuccessStatusCode();
    }
}
