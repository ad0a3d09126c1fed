using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FileApi.Data;
using FileApi.Files;
using FileApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FileApi.Tests.Chaos;

/// <summary>The reconciler picks up any upload at once, in one batch as large as the test's.</summary>
public sealed class EventChaosFactory : FileApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
    [
        new("Lifecycle:MissedEventAfter", "00:00:00"),
        new("Lifecycle:BatchSize", "10000"),
    ];
}

public sealed class EventChaosTests(EventChaosFactory factory) : IClassFixture<EventChaosFactory>
{
    const int Uploads = 10_000;
    const int Seed = 20261201;
    const int EventsPerDelivery = 100;

    readonly HttpClient _api = factory.CreateClientFor(FileApiFactory.Owner);

    sealed record Uploaded(UploadResponse Upload, long Size, string ETag);

    [Fact]
    public async Task TenThousandUploadsWithDuplicatedShuffledDroppedAndLateEventsAreEachReadyOnceWithTheirSizeAndEtag()
    {
        var random = new Random(Seed);
        var sizes = Enumerable.Range(0, Uploads).Select(_ => random.Next(1, 64)).ToArray();
        var uploaded = new Uploaded[Uploads];
        await Parallel.ForEachAsync(Enumerable.Range(0, Uploads), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var upload = await _api.RegisterAsync($"{factory.FilesBase}/path/chaos/{i / 100}/{i}.bin");
            using var put = await TestData.PutBlobAsync(upload.Upload, new byte[sizes[i]]);
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
            uploaded[i] = new Uploaded(upload, sizes[i], put.Headers.ETag!.Tag);
        });

        // 10% never arrive, 30% arrive twice, all in a shuffled order.
        var events = new List<object>();
        foreach (var upload in uploaded)
        {
            if (random.NextDouble() < 0.10)
                continue;
            var copies = random.NextDouble() < 0.30 ? 2 : 1;
            for (var copy = 0; copy < copies; copy++)
                events.Add(EventFor(upload, DateTimeOffset.UtcNow));
        }
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(events));
        await DeliverAsync(events);

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var report = await scope.ServiceProvider.GetRequiredService<Reconciler>().RunPassAsync(sweepOrphans: false, CancellationToken.None);
            Assert.True(report.Ran);
        }
        var afterRepair = await VersionsAsync();

        // Hours late: a stale copy of every tenth event arrives after its version is ready.
        await DeliverAsync(uploaded.Where((_, i) => i % 10 == 0).Select(u => EventFor(u, DateTimeOffset.UtcNow.AddHours(-6))).ToList());
        var afterLate = await VersionsAsync();

        Assert.Equal(Uploads, afterRepair.Count);
        foreach (var upload in uploaded)
        {
            var version = afterRepair[(upload.Upload.FileId, long.Parse(upload.Upload.VersionId))];
            Assert.Equal(VersionStatus.Ready, version.Status);
            Assert.Equal(upload.Size, version.Size);
            Assert.Equal(upload.ETag.Trim('"'), version.ETag?.Trim('"'));
        }
        // Nothing else changed: the late copies left every version as it was, readiness time included.
        Assert.Equal(afterRepair.Values.Select(Describe).Order(), afterLate.Values.Select(Describe).Order());
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<FileApiDb>();
            var files = await db.Files.AsNoTracking().Where(f => f.WorkspaceId == factory.WorkspaceId).ToListAsync();
            Assert.Equal(Uploads, files.Count);
            Assert.All(files, f => Assert.Equal(f.LatestVersionId, f.CurrentVersionId));
        }
    }

    static string Describe(FileVersion v) => $"{v.FileId}/{v.VersionId}:{v.Status}:{v.Size}:{v.ETag}:{v.ReadyAt:O}:{v.FailureCode}";

    object EventFor(Uploaded upload, DateTimeOffset eventTime)
    {
        var created = (Dictionary<string, object?>)TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, upload.Upload), upload.ETag, upload.Size)[0];
        created["eventTime"] = eventTime;
        return created;
    }

    async Task DeliverAsync(List<object> events)
    {
        var batches = events.Chunk(EventsPerDelivery).ToList();
        await Parallel.ForEachAsync(batches, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (batch, ct) =>
        {
            using var delivered = await factory.DeliverEventsAsync(JsonSerializer.Serialize(batch));
            Assert.Equal(HttpStatusCode.OK, delivered.StatusCode);
        });
    }

    async Task<Dictionary<(Guid, long), FileVersion>> VersionsAsync()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FileApiDb>();
        var versions = await (from v in db.FileVersions.AsNoTracking()
                              join f in db.Files on v.FileId equals f.Id
                              where f.WorkspaceId == factory.WorkspaceId
                              select v).ToListAsync();
        return versions.ToDictionary(v => (v.FileId, v.VersionId));
    }
}
