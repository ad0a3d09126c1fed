using System.Net;
using FileApi.Data;
using FileApi.Data.Providers;
using FileApi.Files;
using FileApi.Storage;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FileApi.Tests.Files;

/// <summary>The real clock, or a fixed span ahead of it: what the app sees once that span has passed, without waiting for it.</summary>
public sealed class AheadClock : TimeProvider
{
    public TimeSpan Ahead { get; set; }

    public override DateTimeOffset GetUtcNow() => TimeProvider.System.GetUtcNow() + Ahead;
}

/// <summary>
/// Everything the reconciler waits for is zero; upload links keep their usual lifetime, and a test that needs one past moves
/// the app's clock ahead (a two-second link could expire before a slow machine put its first block).
/// </summary>
public class ImpatientLifecycleFactory : FileApiFactory
{
    public AheadClock Clock { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
    [
        new("Lifecycle:MissedEventAfter", "00:00:00"),
        new("Lifecycle:ExpiryGrace", "00:00:00"),
        new("Lifecycle:OrphanGrace", "00:00:00"),
        new("Lifecycle:DeletedRetention", "00:00:00"),
    ];
}

public class ReconcilerTests(ImpatientLifecycleFactory factory) : IClassFixture<ImpatientLifecycleFactory>
{
    readonly HttpClient _api = factory.CreateClientFor(FileApiFactory.Owner);

    [Fact]
    public async Task AnUploadWhoseEventNeverCameIsMadeReady()
    {
        var upload = await _api.RegisterAsync($"{factory.FilesBase}/path/rec/missed.txt");
        await TestData.PutBlobAsync(upload.Upload, [1, 2]);

        var report = await RunPassAsync(sweepOrphans: false);

        Assert.True(report.Completed >= 1);
        Assert.Equal(VersionStatus.Ready, (await VersionAsync(upload)).Status);
    }

    [Fact]
    public async Task AnAbandonedUploadIsExpiredAndItsBlocksAreGone()
    {
        var upload = await _api.RegisterAsync($"{factory.FilesBase}/path/rec/abandoned.bin");
        await TestData.PutBlockAsync(upload.Upload, TestData.BlockId(0), [1, 2, 3]);
        var blobName = TestData.BlobNameOf(factory, upload);
        Assert.Single((await Storage.GetBlockListAsync(blobName, CancellationToken.None)).Uncommitted);

        // The pass runs as it would just after the link expired; links signed meanwhile would start in Azurite's future.
        factory.Clock.Ahead = factory.Services.GetRequiredService<IOptions<StorageOptions>>().Value.UploadLinkLifetime + TimeSpan.FromSeconds(1);
        ReconcileReport report;
        try
        {
            report = await RunPassAsync(sweepOrphans: false);
        }
        finally
        {
            factory.Clock.Ahead = TimeSpan.Zero;
        }

        var version = await VersionAsync(upload);
        Assert.True(report.Expired >= 1);
        Assert.Equal(VersionStatus.Failed, version.Status);
        Assert.Contains("expired", version.FailureReason);
        var blocks = await Storage.GetBlockListAsync(blobName, CancellationToken.None);
        Assert.Empty(blocks.Uncommitted);
        Assert.Empty(blocks.Committed);
        Assert.Null(await Storage.GetPropertiesAsync(blobName, CancellationToken.None));
    }

    [Fact]
    public async Task DeletedFilesArePurgedWithTheirBlobsAfterRetention()
    {
        var upload = await factory.UploadReadyAsync(_api, "path/rec/purge.txt", [1]);
        await _api.DeleteAsync($"{factory.FilesBase}/{upload.FileId}");

        var report = await RunPassAsync(sweepOrphans: false);

        Assert.True(report.Purged >= 1);
        using var gone = await _api.GetAsync($"{factory.FilesBase}/{upload.FileId}?deleted=true");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Null(await Storage.GetPropertiesAsync(TestData.BlobNameOf(factory, upload), CancellationToken.None));
    }

    [Fact]
    public async Task BlobsNoVersionOwnsAreDeletedAndOwnedOnesKept()
    {
        var kept = await factory.UploadReadyAsync(_api, "path/rec/kept.txt", [1]);
        var strangers = new[] { "not/ours.txt", BlobNames.For(factory.OrganizationId, factory.WorkspaceId, Guid.NewGuid(), 7) };
        foreach (var name in strangers)
            Assert.Equal(HttpStatusCode.Created, (await TestData.PutBlobAsync(await Storage.CreateUploadUriAsync(name, DateTimeOffset.UtcNow.AddMinutes(5), CancellationToken.None), [6])).StatusCode);

        var report = await RunPassAsync(sweepOrphans: true);

        Assert.True(report.OrphansDeleted >= 2);
        foreach (var name in strangers)
            Assert.Null(await Storage.GetPropertiesAsync(name, CancellationToken.None));
        Assert.NotNull(await Storage.GetPropertiesAsync(TestData.BlobNameOf(factory, kept), CancellationToken.None));
    }

    [Fact]
    public async Task OnlyOneInstanceRunsAPassAtATime()
    {
        // Another instance's lock: the same lock taken on a session of its own, as every instance takes it.
        ReconcileReport whileHeld;
        await using (var otherInstance = await factory.Services.GetRequiredService<IReconcilerLock>().TryAcquireAsync(CancellationToken.None))
        {
            Assert.NotNull(otherInstance);
            whileHeld = await RunPassAsync(sweepOrphans: false);
        }
        var afterwards = await RunPassAsync(sweepOrphans: false);

        Assert.False(whileHeld.Ran);
        Assert.True(afterwards.Ran);
    }

    [Fact]
    public async Task AnUploadSealedByARunThatStoppedBeforeReadinessIsMadeReadyUnderTheSameLease()
    {
        var upload = await _api.RegisterAsync($"{factory.FilesBase}/path/rec/sealed-then-crashed.txt");
        await TestData.PutBlobAsync(upload.Upload, [4, 2]);
        var blobName = TestData.BlobNameOf(factory, upload);
        // What the stopped run left behind: its lease id recorded, the blob sealed with it, the version still uploading.
        var leaseId = Guid.NewGuid();
        var versionId = long.Parse(upload.VersionId);
        await using (var scope = factory.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<FileApiDb>().FileVersions
                .Where(v => v.FileId == upload.FileId && v.VersionId == versionId)
                .ExecuteUpdateAsync(set => set.SetProperty(v => v.SealLeaseId, leaseId));
        var eTag = (await Storage.GetPropertiesAsync(blobName, CancellationToken.None))!.ETag;
        Assert.Equal(SealOutcome.Sealed, await Storage.SealAsync(blobName, eTag, leaseId, CancellationToken.None));

        var report = await RunPassAsync(sweepOrphans: false);
        var again = await RunPassAsync(sweepOrphans: false);

        var version = await VersionAsync(upload);
        Assert.True(report.Ran);
        Assert.Equal(VersionStatus.Ready, version.Status);
        Assert.Equal(leaseId, version.SealLeaseId);
        Assert.Equal(eTag, version.ETag);
        var properties = (await factory.BlobClient(blobName).GetPropertiesAsync()).Value;
        Assert.Equal(Azure.Storage.Blobs.Models.LeaseState.Leased, properties.LeaseState);
        // Only the lease the blob holds renews: it is still the stopped run's.
        await Azure.Storage.Blobs.Specialized.SpecializedBlobExtensions.GetBlobLeaseClient(factory.BlobClient(blobName), leaseId.ToString()).RenewAsync();
        Assert.True(again.Ran);
    }

    [Fact]
    public async Task ASealedReadyBlobOfAPurgedFileIsDeleted()
    {
        var upload = await factory.UploadReadyAsync(_api, "path/rec/purge-sealed.txt", [1, 2]);
        var blobName = TestData.BlobNameOf(factory, upload);
        var leaseBefore = (await factory.BlobClient(blobName).GetPropertiesAsync()).Value.LeaseState;
        await _api.DeleteAsync($"{factory.FilesBase}/{upload.FileId}");

        var report = await RunPassAsync(sweepOrphans: false);

        Assert.Equal(Azure.Storage.Blobs.Models.LeaseState.Leased, leaseBefore);
        Assert.True(report.Purged >= 1);
        Assert.False((await factory.BlobClient(blobName).ExistsAsync()).Value);
    }

    BlobStorage Storage => factory.Services.GetRequiredService<BlobStorage>();

    async Task<ReconcileReport> RunPassAsync(bool sweepOrphans)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<Reconciler>().RunPassAsync(sweepOrphans, CancellationToken.None);
    }

    Task<FileVersion> VersionAsync(FileApi.Files.UploadResponse upload) => factory.VersionAsync(upload);
}
