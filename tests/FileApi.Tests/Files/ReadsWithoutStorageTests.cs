using System.Net;
using System.Net.Http.Json;
using Azure.Core.Pipeline;
using FileApi.Files;
using FileApi.Storage;
using FileApi.Tests.Infrastructure;
using FileApi.Tests.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FileApi.Tests.Files;

/// <summary>The API's storage client sends every request on to Azurite through a handler that records it.</summary>
public sealed class RecordedStorageFactory : RecordedStorageFactory<RecordingHandler>;

/// <summary>The API's storage client sends every request through <typeparamref name="THandler"/>, which records it (and may answer some itself).</summary>
public class RecordedStorageFactory<THandler> : FileApiFactory where THandler : RecordingHandler, new()
{
    public THandler Storage { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<BlobStorage>();
            services.AddSingleton(provider => new BlobStorage(provider.GetRequiredService<IOptions<StorageOptions>>(),
                provider.GetRequiredService<ILogger<BlobStorage>>(), new HttpClientTransport(new HttpClient(Storage)),
                time: provider.GetRequiredService<TimeProvider>()));
        });
    }
}

/// <summary>
/// A ready version is sealed and its download links are pinned to the snapshot taken with the seal, so reading it (GET, poll,
/// versions, download link) asks storage nothing, also while its upload links are valid; only a version with neither
/// (made ready before sealing existed) is checked.
/// </summary>
public sealed class ReadsWithoutStorageTests(RecordedStorageFactory factory) : IClassFixture<RecordedStorageFactory>
{
    readonly HttpClient _api = factory.CreateClientFor(FileApiFactory.Owner);

    [Fact]
    public async Task ReadingASealedReadyVersionWhoseUploadLinksExpiredSendsNoRequestToStorage()
    {
        var upload = await factory.UploadReadyAsync(_api, "path/quiet/read.txt", [1, 2, 3]);
        await factory.ExpireUploadLinksAsync(upload);
        var sentBefore = SentFor(upload);

        using var byId = await _api.GetAsync($"{factory.FilesBase}/{upload.FileId}?version_id={upload.VersionId}");
        using var poll = await _api.GetAsync($"{factory.FilesBase}/{upload.FileId}?version_id={upload.VersionId}&wait=5");
        using var current = await _api.GetAsync($"{factory.FilesBase}/{upload.FileId}");
        using var withVersions = await _api.GetAsync($"{factory.FilesBase}/{upload.FileId}?include_versions=true");
        using var byPath = await _api.GetAsync($"{factory.FilesBase}/path/quiet/read.txt");

        Assert.All([byId, poll, current, withVersions, byPath], r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.NotEmpty(sentBefore); // the upload's completion did reach storage through the recorder
        Assert.Equal(sentBefore, SentFor(upload));
        var file = await current.Content.ReadFromJsonAsync<FileResponse>(FileApiFactory.Json);
        Assert.Equal([1, 2, 3], await (await TestData.GetAsync(file!.Download)).Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task AVersionReadyBeforeSealingIsCheckedOnEveryReadUntilTheReconcilerSealsItAndAsksNothingAfter()
    {
        var upload = await factory.UploadReadyAsync(_api, "path/quiet/legacy.txt", [4, 5]);
        await factory.UnsealAsync(upload);
        await factory.ExpireUploadLinksAsync(upload);
        var sentBefore = SentFor(upload);

        using var unsealedRead = await _api.GetAsync($"{factory.FilesBase}/{upload.FileId}?version_id={upload.VersionId}");
        var sentByUnsealedRead = SentFor(upload);
        ReconcileReport report;
        await using (var scope = factory.Services.CreateAsyncScope())
            report = await scope.ServiceProvider.GetRequiredService<Reconciler>().RunPassAsync(sweepOrphans: false, CancellationToken.None);
        var sentBySeal = SentFor(upload);
        using var sealedRead = await _api.GetAsync($"{factory.FilesBase}/{upload.FileId}?version_id={upload.VersionId}");
        using var overwrite = await TestData.PutBlobAsync(upload.Upload, [9, 9, 9]);

        Assert.Equal(HttpStatusCode.OK, unsealedRead.StatusCode);
        Assert.Contains(sentByUnsealedRead.Skip(sentBefore.Count), r => r.Method == HttpMethod.Head);
        Assert.DoesNotContain(sentByUnsealedRead.Skip(sentBefore.Count), r => r.Query.Contains("comp=lease")); // a read writes nothing
        Assert.True(report.Sealed >= 1);
        Assert.Contains(sentBySeal.Skip(sentByUnsealedRead.Count), r => r.Query.Contains("comp=lease"));
        Assert.NotNull((await factory.VersionAsync(upload)).SealLeaseId);
        Assert.Equal(HttpStatusCode.OK, sealedRead.StatusCode);
        Assert.Equal(sentBySeal, SentFor(upload));
        Assert.Equal(HttpStatusCode.PreconditionFailed, overwrite.StatusCode);
    }

    [Fact]
    public async Task PollingAVersionReadyJustNowWhileItsUploadLinksAreStillValidSendsNoRequestToStorage()
    {
        var upload = await factory.UploadReadyAsync(_api, "path/quiet/fresh.txt", [7, 8, 9]);
        var sentBefore = SentFor(upload);

        using var byId = await _api.GetAsync($"{factory.FilesBase}/{upload.FileId}?version_id={upload.VersionId}");
        using var poll = await _api.GetAsync($"{factory.FilesBase}/{upload.FileId}?version_id={upload.VersionId}&wait=5");
        using var current = await _api.GetAsync($"{factory.FilesBase}/{upload.FileId}");
        using var byPath = await _api.GetAsync($"{factory.FilesBase}/path/quiet/fresh.txt");

        Assert.All([byId, poll, current, byPath], r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.True((await factory.VersionAsync(upload)).UploadExpiresAt > DateTimeOffset.UtcNow); // its links are still valid
        Assert.Contains(sentBefore, r => r.Query.Contains("comp=snapshot")); // the seal took its snapshot
        Assert.Equal(sentBefore, SentFor(upload));
        var file = await poll.Content.ReadFromJsonAsync<FileResponse>(FileApiFactory.Json);
        Assert.Contains("snapshot=", file!.Download.Query);
        Assert.Equal([7, 8, 9], await (await TestData.GetAsync(file.Download)).Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task TheCompletionsOwnAnswerLinksToTheSnapshotTakenWithTheSeal()
    {
        var upload = await factory.RegisterAndPutAsync(_api, "path/quiet/completed.txt", [4, 5, 6]);

        using var completed = await _api.PostAsync($"{factory.FilesBase}/{upload.FileId}/versions/{upload.VersionId}/complete", null);

        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        var file = await completed.Content.ReadFromJsonAsync<FileResponse>(FileApiFactory.Json);
        Assert.Contains("snapshot=", file!.Download.Query);
        Assert.Equal((await factory.VersionAsync(upload)).BlobSnapshot, System.Web.HttpUtility.ParseQueryString(file.Download.Query)["snapshot"]);
    }

    /// <summary>
    /// Azurite shows the snapshot's part (a link pinned to it keeps serving the verified bytes whatever the upload link does to
    /// the blob); that Azure honours <c>sr=bs</c> links the same way is its documented behaviour, not shown here.
    /// </summary>
    [Fact]
    public async Task BytesWrittenThroughAStillValidUploadLinkPastABrokenSealAreNeverServedAndNoReadAsksStorage()
    {
        var upload = await factory.UploadReadyAsync(_api, "path/quiet/broken.txt", [1, 2, 3]);
        var sentBefore = SentFor(upload);

        using var firstRead = await _api.GetAsync($"{factory.FilesBase}/{upload.FileId}");
        using var broken = await TestData.BreakLeaseAsync(upload.Upload);
        using var overwrite = await TestData.PutBlobAsync(upload.Upload, [6, 6, 6, 6]);
        using var block = await TestData.PutBlockAsync(upload.Upload, TestData.BlockId(0), [5, 5]);
        using var commit = await TestData.PutBlockListAsync(upload.Upload, [TestData.BlockId(0)]);
        using var secondRead = await _api.GetAsync($"{factory.FilesBase}/{upload.FileId}");

        Assert.Equal(HttpStatusCode.OK, firstRead.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, broken.StatusCode);
        Assert.Equal(HttpStatusCode.Created, overwrite.StatusCode);
        Assert.Equal(HttpStatusCode.Created, commit.StatusCode);
        Assert.Equal(HttpStatusCode.OK, secondRead.StatusCode);
        Assert.Equal(sentBefore, SentFor(upload));
        foreach (var read in new[] { firstRead, secondRead })
        {
            var file = await read.Content.ReadFromJsonAsync<FileResponse>(FileApiFactory.Json);
            Assert.Equal(3, file!.Size);
            Assert.Equal([1, 2, 3], await (await TestData.GetAsync(file.Download)).Content.ReadAsByteArrayAsync());
        }
    }

    List<SentRequest> SentFor(UploadResponse upload)
    {
        var blobName = TestData.BlobNameOf(factory, upload);
        return [.. factory.Storage.Sent.Where(r => r.Path.EndsWith("/" + blobName, StringComparison.Ordinal))];
    }
}
