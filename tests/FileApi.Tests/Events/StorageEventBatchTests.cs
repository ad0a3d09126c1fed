using System.Net;
using System.Net.Http.Json;
using FileApi.Data;
using FileApi.Files;
using FileApi.Tests.Infrastructure;
using FileApi.Workspaces;

namespace FileApi.Tests.Events;

/// <summary>
/// One delivery whose events need different answers: the batch is judged in one readiness statement, so each version
/// must still get the outcome it would get alone. Its own class, so its workspace's quota and usage are its own.
/// </summary>
public class StorageEventBatchTests(FileApiFactory factory) : IClassFixture<FileApiFactory>
{
    readonly HttpClient _api = factory.CreateClientFor(FileApiFactory.Owner);
    string WorkspaceUrl => $"/file/v2/orgs/{factory.OrganizationId}/workspaces/{factory.WorkspaceId}";

    [Fact]
    public async Task AMixedBatchGivesEachVersionItsOwnOutcomeAndADuplicateChangesNothing()
    {
        var alreadyReady = await factory.UploadReadyAsync(_api, "path/mix/already.bin", TestData.RandomBytes(5));
        var before = (await WorkspaceAsync()).Usage!;
        // Room for the two small uploads (3 + 4 bytes), not for the large one beside them.
        var quota = before.Bytes + 10;
        using (var set = await _api.PutAsJsonAsync(WorkspaceUrl + "/quota", new { quota_bytes = quota }))
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var small = await factory.RegisterAndPutAsync(_api, "path/mix/small.bin", TestData.RandomBytes(3));
        var smaller = await factory.RegisterAndPutAsync(_api, "path/mix/smaller.bin", TestData.RandomBytes(4));
        var large = await factory.RegisterAndPutAsync(_api, "path/mix/large.bin", TestData.RandomBytes(20));
        var mismatched = await factory.RegisterAndPutAsync(_api, "path/mix/mismatched.bin", TestData.RandomBytes(2), new { size = 6 });
        var readyBefore = await factory.VersionAsync(alreadyReady);
        var unknown = BlobNames.For(factory.OrganizationId, factory.WorkspaceId, Guid.NewGuid(), 42);
        object[] batch = [.. new[] { unknown }.Concat(new[] { alreadyReady, small, large, mismatched, smaller }.Select(u => TestData.BlobNameOf(factory, u)))
            .SelectMany(blobName => TestData.BlobCreated(factory.Container, blobName))];

        using (var first = await factory.DeliverEventsAsync(batch))
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        Assert.Equal(readyBefore.ReadyAt, (await factory.VersionAsync(alreadyReady)).ReadyAt);
        Assert.Equal(VersionStatus.Ready, (await factory.VersionAsync(small)).Status);
        Assert.Equal(VersionStatus.Ready, (await factory.VersionAsync(smaller)).Status);
        Assert.Equal(FailureCodes.QuotaExceeded, (await factory.VersionAsync(large)).FailureCode);
        Assert.Equal(FailureCodes.SizeMismatch, (await factory.VersionAsync(mismatched)).FailureCode);
        var usage = (await WorkspaceAsync()).Usage!;
        Assert.Equal(new UsageResponse(before.Files + 2, before.Bytes + 7), usage);

        var settled = await Task.WhenAll(new[] { alreadyReady, small, smaller, large, mismatched }.Select(factory.VersionAsync));
        using (var duplicate = await factory.DeliverEventsAsync(batch))
            Assert.Equal(HttpStatusCode.OK, duplicate.StatusCode);

        var again = await Task.WhenAll(new[] { alreadyReady, small, smaller, large, mismatched }.Select(factory.VersionAsync));
        Assert.Equal(settled.Select(Summary), again.Select(Summary));
        Assert.Equal(usage, (await WorkspaceAsync()).Usage);
    }

    static string Summary(FileVersion v) => $"{v.FileId}/{v.VersionId} {v.Status} {v.FailureCode} {v.Size} {v.ETag} {v.ReadyAt:O}";

    async Task<WorkspaceResponse> WorkspaceAsync() => (await _api.GetFromJsonAsync<WorkspaceResponse>(WorkspaceUrl, FileApiFactory.Json))!;
}
