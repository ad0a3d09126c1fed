using System.Net;
using System.Net.Http.Json;
using FileApi.Files;
using FileApi.Tests.Infrastructure;
using FileApi.Workspaces;

namespace FileApi.Tests.Workspaces;

/// <summary>
/// A version that becomes ready while its file is being deleted is counted in usage once or not at all, never twice and
/// never negatively: readiness and deletion both lock the file row first. Its own class, so it starts from an empty workspace.
/// </summary>
public sealed class WorkspaceUsageRaceTests(FileApiFactory factory) : IClassFixture<FileApiFactory>
{
    const int Rounds = 40;
    readonly HttpClient _api = factory.CreateClientFor(FileApiFactory.Owner);

    [Fact]
    public async Task UsageStaysExactWhenVersionsBecomeReadyWhileTheirFilesAreDeleted()
    {
        for (var round = 0; round < Rounds; round++)
        {
            var upload = await factory.RegisterAndPutAsync(_api, $"path/race/{round}.bin", new byte[round + 1]);
            var ready = factory.DeliverEventsAsync(TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, upload)));
            var deleted = _api.DeleteAsync($"{factory.FilesBase}/{upload.FileId}");
            using (var readyAnswer = await ready)
                Assert.Equal(HttpStatusCode.OK, readyAnswer.StatusCode);
            using (var deletedAnswer = await deleted)
                Assert.Equal(HttpStatusCode.NoContent, deletedAnswer.StatusCode);
        }
        // Every file was deleted, whichever came first: nothing is live, so nothing may be counted.
        var workspace = await _api.GetFromJsonAsync<WorkspaceResponse>($"/file/v2/orgs/{factory.OrganizationId}/workspaces/{factory.WorkspaceId}", FileApiFactory.Json);
        Assert.Equal(new UsageResponse(0, 0), workspace!.Usage);

        // Restoring them all counts exactly the ready ones: each file's single version, if its event made it ready.
        var readyBytes = 0L;
        var readyFiles = 0L;
        var deletedList = await _api.GetFromJsonAsync<FileListResponse>($"{factory.FilesBase}?deleted=true&limit=100", FileApiFactory.Json);
        foreach (var file in deletedList!.Files)
        {
            using var restored = await _api.PutAsync($"{factory.FilesBase}/{file.FileId}?deleted=false", content: null);
            Assert.Equal(HttpStatusCode.NoContent, restored.StatusCode);
        }
        var live = await _api.GetFromJsonAsync<FileListResponse>($"{factory.FilesBase}?limit=100", FileApiFactory.Json);
        foreach (var file in live!.Files)
            (readyFiles, readyBytes) = (readyFiles + 1, readyBytes + file.Size);
        workspace = await _api.GetFromJsonAsync<WorkspaceResponse>($"/file/v2/orgs/{factory.OrganizationId}/workspaces/{factory.WorkspaceId}", FileApiFactory.Json);
        Assert.Equal(new UsageResponse(readyFiles, readyBytes), workspace!.Usage);
    }
}
