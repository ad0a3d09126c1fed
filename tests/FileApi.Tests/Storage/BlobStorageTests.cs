using System.Net;
using System.Security.Cryptography;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs.Models;
using FileApi.Storage;
using FileApi.Tests.Infrastructure;
using static FileApi.Tests.Storage.SasRequests;
using static FileApi.Tests.Storage.StorageTestContainer;

namespace FileApi.Tests.Storage;

public sealed class BlobStorageTests(StorageTestContainer container) : IClassFixture<StorageTestContainer>
{
    private readonly BlobStorage _storage = container.Storage;

    [Fact]
    public async Task CreatingTheContainerMakesItOnceAndAgainKeepsItsBlobs()
    {
        var options = AzuriteServer.Instance.For($"test-{Guid.NewGuid():N}");
        var storage = CreateStorage(options);
        var blobs = container.Service.GetBlobContainerClient(options.Container);

        await storage.CreateContainerIfNotExistsAsync(CancellationToken.None);
        var existsAfterFirst = (await blobs.ExistsAsync()).Value;
        (await container.Client.PutBlobAsync(await storage.CreateUploadUriAsync("kept", InAnHour, CancellationToken.None), RandomBytes(4))).EnsureSuccessStatusCode();
        await storage.CreateContainerIfNotExistsAsync(CancellationToken.None);

        Assert.True(existsAfterFirst);
        Assert.Equal(4, (await storage.GetPropertiesAsync("kept", CancellationToken.None))?.ContentLength);
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
        var sas = await _storage.CreateUploadUriAsync(name, InAnHour, CancellationToken.None);
        (await container.Client.PutBlobAsync(sas, RandomBytes(10))).EnsureSuccessStatusCode();
        // Write permission lets the uploader snapshot its blob; the service refuses to delete a blob with
        // snapshots unless told to delete them too.
        (await container.Client.SendAsync(new HttpRequestMessage(HttpMethod.Put, sas.AbsoluteUri + "&comp=snapshot"))).EnsureSuccessStatusCode();
        var snapshotsBefore = await SnapshotsAsync(name);

        Assert.True(await _storage.DeleteIfExistsAsync(name, CancellationToken.None));
        Assert.Null(await _storage.GetPropertiesAsync(name, CancellationToken.None));
        Assert.Single(snapshotsBefore);
        Assert.Empty(await SnapshotsAsync(name));
    }

    [Fact]
    public async Task DeleteAsksForTheBlobsVersionsAndWithoutVersioningErasesOnlyTheBlobItself()
    {
        // Azurite keeps no versions, as an account without versioning: the listing it answers has no version ids.
        var name = UniqueBlobName();
        var sameStart = name + "-longer";
        var requests = new RecordingHandler();
        var storage = CreateStorage(container.Options, new HttpClientTransport(new HttpClient(requests)));
        await PutBlob(name, RandomBytes(10));
        await PutBlob(sameStart, RandomBytes(10));

        var deleted = await storage.DeleteIfExistsAsync(name, CancellationToken.None);

        Assert.True(deleted);
        Assert.Contains(requests.Sent, r => r.Method == HttpMethod.Get && r.Query.Contains("include=versions", StringComparison.OrdinalIgnoreCase) && r.Query.Contains($"prefix={name}"));
        Assert.DoesNotContain(requests.Sent, r => r.Query.Contains("versionid="));
        Assert.Null(await _storage.GetPropertiesAsync(name, CancellationToken.None));
        Assert.NotNull(await _storage.GetPropertiesAsync(sameStart, CancellationToken.None));
    }

    [Fact]
    public async Task DeleteErasesEveryPreviousVersionWhereTheAccountKeepsThem()
    {
        // Azurite has no blob versioning, so the listing of versions is answered as Azure documents it (List Blobs
        // with include=versions), and deletes by version id are recorded and answered 202 here; everything else
        // reaches Azurite. Not shown here: that Azure itself then drops the versions (see README, Storage).
        var name = UniqueBlobName();
        var versions = new VersionedAccountHandler(name, previous: ["2031-01-01T00:00:00.0000000Z", "2031-01-02T00:00:00.0000000Z"],
            current: "2031-01-03T00:00:00.0000000Z", longerName: name + "-longer");
        var storage = CreateStorage(container.Options, new HttpClientTransport(new HttpClient(versions)));
        await PutBlob(name, RandomBytes(10));

        var deleted = await storage.DeleteIfExistsAsync(name, CancellationToken.None);

        Assert.True(deleted);
        Assert.Null(await _storage.GetPropertiesAsync(name, CancellationToken.None));
        // Each previous version of exactly this blob, by its id; not a blob whose name merely starts the same, and
        // not a current version someone wrote meanwhile.
        Assert.Equal(
            [$"{name}?versionid=2031-01-01T00:00:00.0000000Z", $"{name}?versionid=2031-01-02T00:00:00.0000000Z"],
            versions.DeletedVersions.Order(StringComparer.Ordinal));
        // The service refuses x-ms-delete-snapshots on a delete by version id.
        Assert.DoesNotContain(versions.Sent, r => r.Method == HttpMethod.Delete && r.Query.Contains("versionid=") && r.DeletesSnapshots);
    }

    [Fact]
    public async Task DeleteErasesTheVersionsOfABlobWhoseCurrentVersionIsAlreadyGone()
    {
        var name = UniqueBlobName();
        var versions = new VersionedAccountHandler(name, previous: ["2031-01-01T00:00:00.0000000Z"], current: null, longerName: null);
        var storage = CreateStorage(container.Options, new HttpClientTransport(new HttpClient(versions)));

        var deleted = await storage.DeleteIfExistsAsync(name, CancellationToken.None);

        Assert.True(deleted);
        Assert.Equal([$"{name}?versionid=2031-01-01T00:00:00.0000000Z"], versions.DeletedVersions);
    }

    [Fact]
    public async Task HashingReadsTheCommittedBytesWithOnlyTheAlgorithmsAskedFor()
    {
        var name = UniqueBlobName();
        var content = RandomBytes(300_000);
        await PutBlob(name, content);
        var etag = (await _storage.GetPropertiesAsync(name, CancellationToken.None))!.ETag;

        var both = await _storage.HashAsync(name, etag, md5: true, sha256: true, CancellationToken.None);
        var md5Only = await _storage.HashAsync(name, etag, md5: true, sha256: false, CancellationToken.None);
        var sha256Only = await _storage.HashAsync(name, etag, md5: false, sha256: true, CancellationToken.None);

        Assert.Equal([300_000L, 300_000L, 300_000L], [both!.Length, md5Only!.Length, sha256Only!.Length]);
        Assert.Equal(MD5.HashData(content), both.Md5);
        Assert.Equal(SHA256.HashData(content), both.Sha256);
        Assert.Equal(MD5.HashData(content), md5Only.Md5);
        Assert.Null(md5Only.Sha256);
        Assert.Null(sha256Only.Md5);
        Assert.Equal(SHA256.HashData(content), sha256Only.Sha256);
    }

    [Fact]
    public async Task HashingABlobThatChangedSinceItsETagFailsWith412()
    {
        var name = UniqueBlobName();
        await PutBlob(name, RandomBytes(10));
        var etag = (await _storage.GetPropertiesAsync(name, CancellationToken.None))!.ETag;
        await PutBlob(name, RandomBytes(10));

        var changed = await Assert.ThrowsAsync<StorageRequestException>(
            () => _storage.HashAsync(name, etag, md5: true, sha256: true, CancellationToken.None));

        Assert.Equal((int)HttpStatusCode.PreconditionFailed, changed.Status);
    }

    [Fact]
    public async Task DiscardingDropsUncommittedBlocksButLeavesACommittedBlobAlone()
    {
        var abandoned = UniqueBlobName();
        var committed = UniqueBlobName();
        await PutBlock(abandoned, BlockId(0));
        await PutBlob(committed, RandomBytes(8));

        var discardedAbandoned = await _storage.DiscardUncommittedAsync(abandoned, CancellationToken.None);
        var discardedCommitted = await _storage.DiscardUncommittedAsync(committed, CancellationToken.None);

        Assert.True(discardedAbandoned);
        Assert.Empty((await _storage.GetBlockListAsync(abandoned, CancellationToken.None)).Uncommitted);
        Assert.Null(await _storage.GetPropertiesAsync(abandoned, CancellationToken.None));
        Assert.False(discardedCommitted);
        Assert.Equal(8, (await _storage.GetPropertiesAsync(committed, CancellationToken.None))?.ContentLength);
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
        var sas = await _storage.CreateUploadUriAsync(name, InAnHour, CancellationToken.None);
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

    private async Task<List<string>> SnapshotsAsync(string name)
    {
        List<string> snapshots = [];
        await foreach (var blob in container.Blobs.GetBlobsAsync(new GetBlobsOptions { States = BlobStates.Snapshots, Prefix = name }))
        {
            if (blob.Snapshot is not null)
                snapshots.Add(blob.Snapshot);
        }
        return snapshots;
    }

    private async Task PutBlob(string name, byte[] content)
    {
        using var response = await container.Client.PutBlobAsync(await _storage.CreateUploadUriAsync(name, InAnHour, CancellationToken.None), content);
        response.EnsureSuccessStatusCode();
    }

    private async Task PutBlock(string name, string blockId)
    {
        using var response = await container.Client.PutBlockAsync(await _storage.CreateUploadUriAsync(name, InAnHour, CancellationToken.None), blockId, RandomBytes(5));
        response.EnsureSuccessStatusCode();
    }
}
