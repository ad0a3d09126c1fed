using System.Net;
using System.Net.Http.Json;
using FileApi.Files;
using FileApi.Tests.Infrastructure;
using FileApi.Workspaces;

namespace FileApi.Tests.Workspaces;

/// <summary>The usage a workspace's GET answers, and the unfiltered listing's total, follow every write path exactly.</summary>
public sealed class WorkspaceUsageTests(FileApiFactory factory) : IClassFixture<FileApiFactory>
{
    readonly HttpClient _api = factory.CreateClientFor(FileApiFactory.Owner);

    [Fact]
    public async Task UsageAndTheListingTotalAreExactAfterUploadsVersionsDeletesAndRestores()
    {
        Assert.Equal(new UsageResponse(0, 0), await UsageAsync());

        var first = await factory.UploadReadyAsync(_api, "path/usage/a.bin", new byte[10]);
        await factory.UploadReadyAsync(_api, "path/usage/b.bin", new byte[5]);
        await factory.UploadReadyAsync(_api, "path/usage/a.bin", new byte[7]); // a second version of a.bin
        await factory.RegisterAndPutAsync(_api, "path/usage/pending.bin", new byte[100]); // not ready: not counted
        await AssertCountedAsync(files: 2, bytes: 22);

        // A duplicate event changes nothing.
        using (var again = await factory.DeliverEventsAsync(TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, first))))
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        await AssertCountedAsync(files: 2, bytes: 22);

        using (var deleted = await _api.DeleteAsync($"{factory.FilesBase}/{first.FileId}"))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await AssertCountedAsync(files: 1, bytes: 5);
        using (var deletedAgain = await _api.DeleteAsync($"{factory.FilesBase}/path/usage/a.bin"))
            Assert.Equal(HttpStatusCode.NoContent, deletedAgain.StatusCode); // a retried DELETE is harmless
        await AssertCountedAsync(files: 1, bytes: 5);

        using (var restored = await _api.PutAsync($"{factory.FilesBase}/{first.FileId}?deleted=false", content: null))
            Assert.Equal(HttpStatusCode.NoContent, restored.StatusCode);
        await AssertCountedAsync(files: 2, bytes: 22);
    }

    async Task AssertCountedAsync(long files, long bytes)
    {
        Assert.Equal(new UsageResponse(files, bytes), await UsageAsync());
        var listing = await _api.GetFromJsonAsync<FileListResponse>(factory.FilesBase, FileApiFactory.Json);
        Assert.Equal(files, listing!.Total);
        Assert.Equal(files, listing.Files.Count);
    }

    async Task<UsageResponse?> UsageAsync() =>
        (await _api.GetFromJsonAsync<WorkspaceResponse>($"/file/v2/orgs/{factory.OrganizationId}/workspaces/{factory.WorkspaceId}", FileApiFactory.Json))!.Usage;
}
