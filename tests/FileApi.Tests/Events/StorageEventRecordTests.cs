using FileApi.Data;
using FileApi.Data.Providers;
using FileApi.Storage;
using FileApi.Files;
using FileApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FileApi.Tests.Events;

/// <summary>
/// What recording a delivery's unfinished versions as reported touches: exactly the named (file, version) pairs, only those
/// still uploading and not yet recorded. Its own class, so the version it adds by hand is in no other test's way.
/// </summary>
public sealed class StorageEventRecordTests(FileApiFactory factory) : IClassFixture<FileApiFactory>
{
    readonly HttpClient _api = factory.CreateClientFor(FileApiFactory.Owner);

    [Fact]
    public async Task RecordingReportedVersionsMarksOnlyTheNamedPairsThatAreUploadingAndNotYetRecorded()
    {
        var first = await factory.RegisterAndPutAsync(_api, "path/record/first.bin", TestData.RandomBytes(3));
        var second = await factory.RegisterAndPutAsync(_api, "path/record/second.bin", TestData.RandomBytes(4));
        var ready = await factory.UploadReadyAsync(_api, "path/record/ready.bin", TestData.RandomBytes(5));
        var recordedBefore = await factory.RegisterAndPutAsync(_api, "path/record/recorded.bin", TestData.RandomBytes(6));
        // The first file also gets a version with the second's id: a pair of lists (every file with every version id) would record it.
        var crossed = new FileVersion
        {
            FileId = first.FileId, VersionId = long.Parse(second.VersionId), Status = VersionStatus.Uploading, CreatedById = "crossed",
            CreatedAt = DateTimeOffset.UtcNow, UploadExpiresAt = DateTimeOffset.UtcNow.AddMinutes(30),
        };
        var earlier = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        using (var scope = factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<FileApiDb>();
            db.FileVersions.Add(crossed);
            await db.SaveChangesAsync();
            var recordedVersionId = long.Parse(recordedBefore.VersionId);
            await db.FileVersions.Where(v => v.FileId == recordedBefore.FileId && v.VersionId == recordedVersionId)
                .ExecuteUpdateAsync(set => set.SetProperty(v => v.BlobReportedAt, earlier));
        }
        FileVersion[] named = await Task.WhenAll(new[] { first, second, ready, recordedBefore }.Select(factory.VersionAsync));

        await using (var scope = factory.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<VersionLifecycle>().RecordReportedAsync(named, default);

        Assert.NotNull((await factory.VersionAsync(first)).BlobReportedAt);
        Assert.NotNull((await factory.VersionAsync(second)).BlobReportedAt);
        Assert.Null((await factory.VersionAsync(ready)).BlobReportedAt);
        Assert.Equal(earlier, (await factory.VersionAsync(recordedBefore)).BlobReportedAt);
        using (var scope = factory.Services.CreateScope())
            Assert.Null(await scope.ServiceProvider.GetRequiredService<FileApiDb>().FileVersions
                .Where(v => v.FileId == crossed.FileId && v.VersionId == crossed.VersionId).Select(v => v.BlobReportedAt).SingleAsync());
    }

    [Fact]
    public async Task DeliveriesRecordingTheSameVersionsInOppositeOrdersAtOnceNeverDeadlock()
    {
        // Event Grid delivers duplicates in any order, so two deliveries may name the same versions the other way round.
        var (file, versions) = await UploadingVersionsAsync("many");
        var forwards = versions;
        var backwards = Enumerable.Reverse(versions).ToList();

        for (var round = 0; round < 30; round++)
        {
            using (var scope = factory.Services.CreateScope())
                await scope.ServiceProvider.GetRequiredService<FileApiDb>().FileVersions
                    .Where(v => v.FileId == file && v.CreatedById == "many")
                    .ExecuteUpdateAsync(set => set.SetProperty(v => v.BlobReportedAt, (DateTimeOffset?)null));

            // A deadlock would fail one of the two with PostgreSQL's 40P01 (SQL Server's 1205).
            await Task.WhenAll(RecordAsync(forwards), RecordAsync(backwards), RecordAsync(forwards), RecordAsync(backwards));

            using var check = factory.Services.CreateScope();
            Assert.Equal(0, await check.ServiceProvider.GetRequiredService<FileApiDb>().FileVersions
                .CountAsync(v => v.FileId == file && v.CreatedById == "many" && v.BlobReportedAt == null));
        }
    }

    [Fact]
    public async Task RecordingVersionsWhileABatchOfThemBecomesReadyInTheOtherOrderNeverDeadlocks()
    {
        var (file, versions) = await UploadingVersionsAsync("batch");
        var backwards = Enumerable.Reverse(versions).ToList();

        for (var round = 0; round < 80; round++)
        {
            using (var scope = factory.Services.CreateScope())
                await scope.ServiceProvider.GetRequiredService<FileApiDb>().FileVersions
                    .Where(v => v.FileId == file && v.CreatedById == "batch")
                    .ExecuteUpdateAsync(set => set.SetProperty(v => v.Status, VersionStatus.Uploading).SetProperty(v => v.BlobReportedAt, (DateTimeOffset?)null));

            var readiness = MarkReadyAsync(round % 2 == 0 ? versions : backwards);
            await Task.WhenAll(readiness, RecordAsync(backwards), RecordAsync(versions));

            Assert.All(await readiness, answer => Assert.Equal(ReadinessOutcomes.Ready, answer.Outcome));
        }

        async Task<IReadOnlyList<ReadinessAnswer>> MarkReadyAsync(IReadOnlyList<FileVersion> named)
        {
            await Task.Yield();
            await using var scope = factory.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<FileApiDb>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            var now = DateTimeOffset.UtcNow;
            var answers = await scope.ServiceProvider.GetRequiredService<IVersionReadiness>().MarkReadyAsync(db,
                named.Select(v => new ReadyVersion(v.FileId, v.VersionId, new BlobProperties(1, $"\"{v.VersionId}\"", now, null, null, null), null, null)).ToList(),
                now, now.AddMinutes(-5), default);
            await transaction.CommitAsync();
            return answers;
        }
    }

    /// <summary>400 uploading versions of one registered file, added by hand (ids 1 to 400) and marked by <paramref name="tag"/>.</summary>
    async Task<(Guid File, List<FileVersion> Versions)> UploadingVersionsAsync(string tag)
    {
        var file = await factory.RegisterAndPutAsync(_api, $"path/record/{tag}.bin", TestData.RandomBytes(3));
        var versions = Enumerable.Range(1, 400).Select(i => new FileVersion
        {
            FileId = file.FileId, VersionId = i, Status = VersionStatus.Uploading, CreatedById = tag,
            CreatedAt = DateTimeOffset.UtcNow, UploadExpiresAt = DateTimeOffset.UtcNow.AddMinutes(30),
        }).ToList();
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FileApiDb>();
        db.FileVersions.AddRange(versions);
        await db.SaveChangesAsync();
        return (file.FileId, versions);
    }

    /// <summary>What a delivery does for the versions it has not finished, in a scope of its own, as a request has.</summary>
    async Task RecordAsync(IReadOnlyCollection<FileVersion> named)
    {
        await Task.Yield();
        await using var scope = factory.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<VersionLifecycle>().RecordReportedAsync(named, default);
    }
}
