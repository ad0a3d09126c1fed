using System.Net;
using System.Net.Http.Json;
using FileApi.Data;
using FileApi.Files;
using FileApi.Tests.Infrastructure;
using FileApi.Workspaces;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FileApi.Tests.Workspaces;

/// <summary>
/// Versions racing to readiness under a quota: the check is the usage upsert's own predicate, judged under the usage row's
/// lock, so however the completions and Event Grid notices interleave, exactly as many become ready as fit. A check made
/// apart from the increment would let several see the same room and pass the quota. Its own class, so its workspace starts empty.
/// </summary>
public sealed class WorkspaceQuotaRaceTests(FileApiFactory factory) : IClassFixture<FileApiFactory>
{
    const int Rounds = 25;
    const int Racers = 6;
    const int Size = 10;
    const int Fitting = 3;
    readonly HttpClient _api = factory.CreateClientFor(FileApiFactory.Owner);
    string WorkspaceUrl => $"/file/v2/orgs/{factory.OrganizationId}/workspaces/{factory.WorkspaceId}";

    [Fact]
    public async Task UsageNeverPassesTheQuotaAndEqualsTheReadyBytesWhenVersionsRaceToReadiness()
    {
        for (var round = 0; round < Rounds; round++)
        {
            var before = (await WorkspaceAsync()).Usage!;
            var quota = before.Bytes + Fitting * Size + Size / 2; // room for three and a half
            using (var set = await _api.PutAsJsonAsync(WorkspaceUrl + "/quota", new { quota_bytes = quota }))
                Assert.Equal(HttpStatusCode.OK, set.StatusCode);
            var uploads = new List<UploadResponse>();
            for (var racer = 0; racer < Racers; racer++)
                uploads.Add(await factory.RegisterAndPutAsync(_api, $"path/race/{round}/{racer}.bin", TestData.RandomBytes(Size)));

            // Half finish through the client's completion, half through Event Grid, all at once.
            var answers = await Task.WhenAll(uploads.Select((upload, i) => i % 2 == 0
                ? _api.PostAsync($"{factory.FilesBase}/{upload.FileId}/versions/{upload.VersionId}/complete", content: null)
                : factory.DeliverEventsAsync(TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, upload)))));
            foreach (var answer in answers)
            {
                Assert.Contains(answer.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.Conflict });
                answer.Dispose();
            }

            var versions = await Task.WhenAll(uploads.Select(factory.VersionAsync));
            Assert.Equal(Fitting, versions.Count(v => v.Status == VersionStatus.Ready));
            Assert.All(versions.Where(v => v.Status != VersionStatus.Ready), v => Assert.Equal(FailureCodes.QuotaExceeded, v.FailureCode));
            var usage = (await WorkspaceAsync()).Usage!;
            Assert.True(usage.Bytes <= quota, $"round {round}: usage {usage.Bytes} passed the quota {quota}");
            Assert.Equal(new UsageResponse(before.Files + Fitting, before.Bytes + Fitting * Size), usage);
            Assert.Equal(await ReadyBytesOfLiveFilesAsync(), usage.Bytes);
        }
    }

    async Task<WorkspaceResponse> WorkspaceAsync() => (await _api.GetFromJsonAsync<WorkspaceResponse>(WorkspaceUrl, FileApiFactory.Json))!;

    async Task<long> ReadyBytesOfLiveFilesAsync()
    {
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FileApiDb>();
        return await (
            from v in db.FileVersions
            join f in db.Files on v.FileId equals f.Id
            where f.WorkspaceId == factory.WorkspaceId && f.DeletedAt == null && v.Status == VersionStatus.Ready
            select v.Size ?? 0).SumAsync();
    }
}
