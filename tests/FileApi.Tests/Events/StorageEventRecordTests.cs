using FileApi.Data;
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
}
