using System.Net;
using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using FileApi.Storage;
using FileApi.Tests.Infrastructure;
using static FileApi.Tests.Storage.SasRequests;
using static FileApi.Tests.Storage.StorageTestContainer;

namespace FileApi.Tests.Storage;

/// <summary>What Azurite does with a sealed (infinitely leased) blob, as the API relies on it.</summary>
public sealed class SealTests(StorageTestContainer container) : IClassFixture<StorageTestContainer>
{
    private readonly BlobStorage _storage = container.Storage;

    [Fact]
    public async Task ASealedBlobRefusesPutBlobThroughAStillValidUploadLinkAndKeepsItsBytes()
    {
        var (name, sas, bytes, _, _) = await SealedBlobAsync();

        using var overwrite = await container.Client.PutBlobAsync(sas, RandomBytes(7));

        Assert.Equal(HttpStatusCode.PreconditionFailed, overwrite.StatusCode);
        Assert.Equal(bytes, await ContentAsync(name));
    }

    [Fact]
    public async Task ASealedBlobRefusesABlockListCommitThroughAStillValidUploadLinkAndKeepsItsBytes()
    {
        var (name, sas, bytes, _, _) = await SealedBlobAsync();

        using var block = await container.Client.PutBlockAsync(sas, BlockId(0), RandomBytes(9));
        using var commit = await container.Client.PutBlockListAsync(sas, [BlockId(0)]);

        Assert.Equal(HttpStatusCode.PreconditionFailed, commit.StatusCode);
        Assert.True(block.StatusCode is HttpStatusCode.PreconditionFailed or HttpStatusCode.Created, $"Put Block answered {block.StatusCode}");
        Assert.Equal(bytes, await ContentAsync(name));
    }

    [Fact]
    public async Task SealingAgainWithTheSameLeaseIdSucceedsAndKeepsTheLease()
    {
        var (name, _, _, eTag, leaseId) = await SealedBlobAsync();

        var again = await _storage.SealAsync(name, eTag, leaseId, CancellationToken.None);

        Assert.Equal(SealOutcome.Sealed, again);
        var properties = (await container.Blobs.GetBlobClient(name).GetPropertiesAsync()).Value;
        Assert.Equal(LeaseState.Leased, properties.LeaseState);
        Assert.Equal(LeaseDurationType.Infinite, properties.LeaseDuration);
        Assert.Equal(eTag, properties.ETag.ToString("H"));
        // Renewing succeeds only for the lease id the blob holds.
        await container.Blobs.GetBlobClient(name).GetBlobLeaseClient(leaseId.ToString()).RenewAsync();
    }

    [Fact]
    public async Task SealingABlobThatChangedSinceItsEtagSealsNothing()
    {
        var name = UniqueBlobName();
        var sas = await _storage.CreateUploadUriAsync(name, InAnHour, CancellationToken.None);
        (await container.Client.PutBlobAsync(sas, RandomBytes(3))).EnsureSuccessStatusCode();
        var verified = (await _storage.GetPropertiesAsync(name, CancellationToken.None))!.ETag;
        (await container.Client.PutBlobAsync(sas, RandomBytes(4))).EnsureSuccessStatusCode();

        var outcome = await _storage.SealAsync(name, verified, Guid.NewGuid(), CancellationToken.None);

        Assert.Equal(SealOutcome.Changed, outcome);
        Assert.Equal(LeaseState.Available, (await container.Blobs.GetBlobClient(name).GetPropertiesAsync()).Value.LeaseState);
    }

    [Fact]
    public async Task SealingAMissingBlobSealsNothing()
    {
        var name = UniqueBlobName();

        var outcome = await _storage.SealAsync(name, "\"0x1\"", Guid.NewGuid(), CancellationToken.None);

        // Azurite answers the If-Match on a missing blob with 412; either answer leaves nothing sealed.
        Assert.Contains(outcome, new[] { SealOutcome.Gone, SealOutcome.Changed });
        Assert.False((await container.Blobs.GetBlobClient(name).ExistsAsync()).Value);
    }

    [Fact]
    public async Task ALeaseTheUploaderTookIsReplacedBySealingOnTheSameEtag()
    {
        var name = UniqueBlobName();
        var sas = await _storage.CreateUploadUriAsync(name, InAnHour, CancellationToken.None);
        (await container.Client.PutBlobAsync(sas, RandomBytes(3))).EnsureSuccessStatusCode();
        var eTag = (await _storage.GetPropertiesAsync(name, CancellationToken.None))!.ETag;
        var uploadersLease = Guid.NewGuid().ToString();
        using var leased = await container.Client.SendAsync(TestData.LeaseRequest(sas, "acquire", uploadersLease));
        var ours = Guid.NewGuid();

        var outcome = await _storage.SealAsync(name, eTag, ours, CancellationToken.None);

        Assert.Equal(HttpStatusCode.Created, leased.StatusCode);
        Assert.Equal(SealOutcome.Sealed, outcome);
        await container.Blobs.GetBlobClient(name).GetBlobLeaseClient(ours.ToString()).RenewAsync();
    }

    [Fact]
    public async Task AnUploadLinkMayStillBreakTheSealSoDownloadsInAzureStayPinnedToTheBlobVersion()
    {
        var (name, sas, _, _, _) = await SealedBlobAsync();

        using var broken = await container.Client.SendAsync(TestData.LeaseRequest(sas, "break", proposedLeaseId: null));

        // Lease Blob needs only write permission: the seal refuses writes, it does not take the link's rights away.
        Assert.Equal(HttpStatusCode.Accepted, broken.StatusCode);
        Assert.Equal(LeaseState.Broken, (await container.Blobs.GetBlobClient(name).GetPropertiesAsync()).Value.LeaseState);
    }

    [Fact]
    public async Task DeletingASealedBlobRemovesIt()
    {
        var name = (await SealedBlobAsync()).Name;

        Assert.True(await _storage.DeleteIfExistsAsync(name, CancellationToken.None));
        Assert.Null(await _storage.GetPropertiesAsync(name, CancellationToken.None));
        Assert.False(await _storage.DeleteIfExistsAsync(name, CancellationToken.None));
    }

    [Fact]
    public async Task WithoutTheLeaseIdStorageRefusesToDeleteASealedBlob()
    {
        var name = (await SealedBlobAsync()).Name;

        var refused = await Assert.ThrowsAsync<RequestFailedException>(() => container.Blobs.GetBlobClient(name).DeleteAsync());

        Assert.Equal(BlobErrorCode.LeaseIdMissing.ToString(), refused.ErrorCode);
    }

    [Fact]
    public async Task SealingAsFoundTakesASnapshotOfExactlyTheSealedBytesAndLeavesTheBlobsEtagAsItWas()
    {
        var name = UniqueBlobName();
        var sas = await _storage.CreateUploadUriAsync(name, InAnHour, CancellationToken.None);
        (await container.Client.PutBlobAsync(sas, RandomBytes(6))).EnsureSuccessStatusCode();
        var committed = (await _storage.GetPropertiesAsync(name, CancellationToken.None))!.ETag;

        var (outcome, properties) = await _storage.SealAsFoundAsync(name, Guid.NewGuid(), CancellationToken.None);

        Assert.Equal(SealOutcome.Sealed, outcome);
        Assert.Equal(committed, properties!.ETag);
        Assert.NotNull(properties.Snapshot);
        Assert.Equal(committed, (await _storage.GetPropertiesAsync(name, CancellationToken.None))!.ETag);
        var snapshot = (await container.Blobs.GetBlobClient(name).WithSnapshot(properties.Snapshot).GetPropertiesAsync()).Value;
        Assert.Equal(committed, snapshot.ETag.ToString("H"));
    }

    [Fact]
    public async Task SealingOnAVerifiedEtagTakesItsSnapshotToo()
    {
        var name = UniqueBlobName();
        var sas = await _storage.CreateUploadUriAsync(name, InAnHour, CancellationToken.None);
        var bytes = RandomBytes(8);
        (await container.Client.PutBlobAsync(sas, bytes)).EnsureSuccessStatusCode();
        var verified = (await _storage.GetPropertiesAsync(name, CancellationToken.None))!;

        var (outcome, properties) = await _storage.SealAsync(name, verified, Guid.NewGuid(), CancellationToken.None);

        Assert.Equal(SealOutcome.Sealed, outcome);
        Assert.Equal(verified with { Snapshot = properties!.Snapshot }, properties);
        Assert.NotNull(properties.Snapshot);
        Assert.Equal(bytes, (await container.Blobs.GetBlobClient(name).WithSnapshot(properties.Snapshot).DownloadContentAsync()).Value.Content.ToArray());
    }

    [Fact]
    public async Task SealingOnAnEtagTheBlobNoLongerHasTakesNeitherLeaseNorSnapshot()
    {
        var name = UniqueBlobName();
        var sas = await _storage.CreateUploadUriAsync(name, InAnHour, CancellationToken.None);
        (await container.Client.PutBlobAsync(sas, RandomBytes(3))).EnsureSuccessStatusCode();
        var verified = (await _storage.GetPropertiesAsync(name, CancellationToken.None))!;
        (await container.Client.PutBlobAsync(sas, RandomBytes(4))).EnsureSuccessStatusCode();

        var (outcome, properties) = await _storage.SealAsync(name, verified, Guid.NewGuid(), CancellationToken.None);

        Assert.Equal(SealOutcome.Changed, outcome);
        Assert.Null(properties);
        var listed = container.Blobs.GetBlobsAsync(BlobTraits.None, BlobStates.Snapshots, name, CancellationToken.None);
        Assert.Equal(1, await listed.CountAsync()); // the blob itself, no snapshot
    }

    /// <summary>
    /// What a still-valid upload link (rw) can do to a sealed blob: break the seal and write it again (Lease Blob needs only
    /// write, on Azurite and Azure), whole or block by block. None of it reaches the snapshot the download link is pinned
    /// to: a snapshot is read-only, and deleting it needs d, which the link lacks.
    /// </summary>
    [Fact]
    public async Task AStillValidUploadLinkThatBreaksTheSealCannotChangeWhatALinkPinnedToTheSealsSnapshotServes()
    {
        var name = UniqueBlobName();
        var sas = await _storage.CreateUploadUriAsync(name, InAnHour, CancellationToken.None);
        var bytes = RandomBytes(5);
        (await container.Client.PutBlobAsync(sas, bytes)).EnsureSuccessStatusCode();
        var (_, properties) = await _storage.SealAsFoundAsync(name, Guid.NewGuid(), CancellationToken.None);
        var download = await _storage.CreateDownloadUriAsync(name, "a.bin", null, InAnHour, blobVersionId: null, properties!.Snapshot, CancellationToken.None);

        using var broken = await container.Client.SendAsync(TestData.LeaseRequest(sas, "break", proposedLeaseId: null));
        using var overwrite = await container.Client.PutBlobAsync(sas, RandomBytes(7));
        using var block = await container.Client.PutBlockAsync(sas, BlockId(0), RandomBytes(9));
        using var commit = await container.Client.PutBlockListAsync(sas, [BlockId(0)]);
        using var deleteSnapshot = await container.Client.DeleteAsync(new UriBuilder(sas) { Query = $"snapshot={Uri.EscapeDataString(properties.Snapshot!)}&{sas.Query.TrimStart('?')}" }.Uri);
        using var served = await container.Client.GetBlobAsync(download);

        Assert.Equal(HttpStatusCode.Accepted, broken.StatusCode);
        Assert.Equal(HttpStatusCode.Created, overwrite.StatusCode);
        Assert.Equal(HttpStatusCode.Created, commit.StatusCode);
        Assert.NotEqual(bytes, await ContentAsync(name)); // the blob itself was written again
        Assert.Equal(HttpStatusCode.Forbidden, deleteSnapshot.StatusCode);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal(bytes, await served.Content.ReadAsByteArrayAsync());
    }

    private sealed record SealedBlob(string Name, Uri Sas, byte[] Bytes, string ETag, Guid LeaseId);

    private async Task<SealedBlob> SealedBlobAsync()
    {
        var name = UniqueBlobName();
        var sas = await _storage.CreateUploadUriAsync(name, InAnHour, CancellationToken.None);
        var bytes = RandomBytes(5);
        (await container.Client.PutBlobAsync(sas, bytes)).EnsureSuccessStatusCode();
        var eTag = (await _storage.GetPropertiesAsync(name, CancellationToken.None))!.ETag;
        var leaseId = Guid.NewGuid();
        Assert.Equal(SealOutcome.Sealed, await _storage.SealAsync(name, eTag, leaseId, CancellationToken.None));
        return new SealedBlob(name, sas, bytes, eTag, leaseId);
    }

    private async Task<byte[]> ContentAsync(string name) =>
        (await container.Blobs.GetBlobClient(name).DownloadContentAsync()).Value.Content.ToArray();
}
