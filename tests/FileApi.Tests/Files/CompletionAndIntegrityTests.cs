using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using FileApi.Data;
using FileApi.Files;
using FileApi.Storage;
using FileApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FileApi.Tests.Files;

public class SmallLimitFactory : FileApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings => [new("Files:MaxFileSize", "1000")];
}

public class CompletionAndIntegrityTests(SmallLimitFactory factory) : IClassFixture<SmallLimitFactory>
{
    readonly HttpClient _api = factory.CreateClientFor(FileApiFactory.Owner);

    [Fact]
    public async Task CompletingACommittedUploadMakesItReadyAtOnce()
    {
        var upload = await RegisterAndPutAsync("done/now.txt", [1, 2, 3]);

        using var complete = await CompleteAsync(upload);
        var file = await complete.Content.ReadFromJsonAsync<FileResponse>(FileApiFactory.Json);

        Assert.Equal(HttpStatusCode.OK, complete.StatusCode);
        Assert.Equal(upload.VersionId, file!.VersionId);
        Assert.Equal(3, file.Size);
    }

    [Fact]
    public async Task CompletingBeforeTheCommitIs409AndChangesNothing()
    {
        var upload = await _api.RegisterAsync($"{factory.FilesBase}/path/done/early.txt");
        await TestData.PutBlockAsync(upload.Upload, TestData.BlockId(0), [1]);

        using var complete = await CompleteAsync(upload);

        Assert.Equal(HttpStatusCode.Conflict, complete.StatusCode);
        Assert.Contains("urn:fileapi:problem:version-not-committed", await complete.Content.ReadAsStringAsync());
        Assert.Equal(VersionStatus.Uploading, (await VersionAsync(upload)).Status);
    }

    [Fact]
    public async Task CompletionRacingEventDeliveriesGivesOneReadyVersion()
    {
        var upload = await RegisterAndPutAsync("done/race.txt", [9, 9]);
        var created = TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, upload));

        var calls = Enumerable.Range(0, 6).Select(i => i % 2 == 0 ? CompleteAsync(upload) : factory.DeliverEventsAsync(created));
        var answers = await Task.WhenAll(calls);

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        var version = await VersionAsync(upload);
        Assert.Equal(VersionStatus.Ready, version.Status);
        var file = await _api.GetFromJsonAsync<FileResponse>($"{factory.FilesBase}/{upload.FileId}?include_versions=true", FileApiFactory.Json);
        Assert.Single(file!.Versions!);
    }

    [Fact]
    public async Task ADeclaredSizeThatDoesNotMatchFailsTheVersionAndDeletesItsBlob()
    {
        var upload = await RegisterAndPutAsync("integrity/size.txt", [1, 2, 3], new { size = 4 });

        using var complete = await CompleteAsync(upload);
        using var poll = await _api.GetAsync($"{factory.FilesBase}/{upload.FileId}?version_id={upload.VersionId}");

        Assert.Equal(HttpStatusCode.Conflict, complete.StatusCode);
        var body = await poll.Content.ReadAsStringAsync();
        Assert.Contains("urn:fileapi:problem:version-failed", body);
        Assert.Contains("3 bytes but 4 were declared", body);
        Assert.Null(await Storage.GetPropertiesAsync(TestData.BlobNameOf(factory, upload), CancellationToken.None));
    }

    [Fact]
    public async Task AChecksumThatDoesNotMatchFailsTheVersion()
    {
        var upload = await RegisterAndPutAsync("integrity/sha.txt", [1, 2, 3], new { content_sha256 = Convert.ToHexString(SHA256.HashData([1, 2, 4])) });

        using var delivered = await factory.DeliverEventsAsync(TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, upload)));
        // The hash runs in the background; the long-poll answers when it is done.
        using var outcome = await _api.GetAsync($"{factory.FilesBase}/{upload.FileId}?version_id={upload.VersionId}&wait=30");

        Assert.Equal(HttpStatusCode.OK, delivered.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, outcome.StatusCode);
        var version = await VersionAsync(upload);
        Assert.Equal(VersionStatus.Failed, version.Status);
        Assert.Equal(FailureCodes.Sha256Mismatch, version.FailureCode);
        Assert.Contains("SHA-256", version.FailureReason);
        using var visible = await _api.GetAsync($"{factory.FilesBase}/path/integrity/sha.txt");
        Assert.Equal(HttpStatusCode.NotFound, visible.StatusCode);
    }

    [Fact]
    public async Task MatchingChecksumsAndSizeAreRecordedAsVerified()
    {
        byte[] content = [5, 6, 7, 8];
        var upload = await RegisterAndPutAsync("integrity/good.txt", content, new
        {
            size = 4,
            content_md5 = Convert.ToBase64String(MD5.HashData(content)),
            content_sha256 = Convert.ToHexString(SHA256.HashData(content)),
        });

        using var complete = await CompleteAsync(upload);

        Assert.Equal(HttpStatusCode.OK, complete.StatusCode);
        Assert.Equal("size,md5,sha256", (await VersionAsync(upload)).Verified);
    }

    [Fact]
    public async Task ABlobOverTheMaximumSizeNeverBecomesReady()
    {
        var upload = await RegisterAndPutAsync("integrity/huge.bin", new byte[1001]);

        await factory.DeliverEventsAsync(TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, upload)));

        var version = await VersionAsync(upload);
        Assert.Equal(VersionStatus.Failed, version.Status);
        Assert.Contains("maximum file size", version.FailureReason);
    }

    [Theory]
    [InlineData("{\"size\": 1001}", "file-too-large")]
    [InlineData("{\"size\": -1}", "invalid-body")]
    [InlineData("{\"content_md5\": \"abc\"}", "invalid-body")]
    [InlineData("{\"content_sha256\": \"zz\"}", "invalid-body")]
    public async Task BadDeclarationsAre400AndRegisterNothing(string body, string type)
    {
        using var response = await _api.PutAsync($"{factory.FilesBase}/path/integrity/bad-{type}.txt",
            new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        using var after = await _api.PutAsync($"{factory.FilesBase}/path/integrity/bad-{type}.txt?version_id=1", null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"urn:fileapi:problem:{type}", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
    }

    [Fact]
    public async Task AnOverwriteAfterReadinessThroughTheStillValidUploadLinkIsRefusedByStorageAndTheBytesStay()
    {
        var upload = await RegisterAndPutAsync("immutable/v.txt", [1, 1, 1]);
        await CompleteAsync(upload);

        using var overwrite = await TestData.PutBlobAsync(upload.Upload, [6, 6, 6, 6]);
        using var block = await TestData.PutBlockAsync(upload.Upload, TestData.BlockId(0), [7, 7]);
        using var commit = await TestData.PutBlockListAsync(upload.Upload, [TestData.BlockId(0)]);
        await factory.DeliverEventsAsync(TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, upload)));
        var file = await _api.GetFromJsonAsync<FileResponse>($"{factory.FilesBase}/{upload.FileId}", FileApiFactory.Json);

        Assert.Equal(HttpStatusCode.PreconditionFailed, overwrite.StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, commit.StatusCode);
        Assert.Equal(3, file!.Size);
        Assert.Equal([1, 1, 1], await (await TestData.GetAsync(file.Download)).Content.ReadAsByteArrayAsync());
        Assert.Equal(3, (await VersionAsync(upload)).Size);
    }

    [Fact]
    public async Task AVersionReadyBeforeSealingWhoseBytesChangedIsNeverServed()
    {
        var upload = await RegisterAndPutAsync("immutable/legacy.txt", [1, 1, 1]);
        await CompleteAsync(upload);
        await factory.UnsealAsync(upload); // as a version made ready before sealing existed

        using var overwrite = await TestData.PutBlobAsync(upload.Upload, [6, 6, 6, 6]);
        using var read = await _api.GetAsync($"{factory.FilesBase}/{upload.FileId}");

        Assert.Equal(HttpStatusCode.Created, overwrite.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, read.StatusCode);
        Assert.Contains("urn:fileapi:problem:version-content-changed", await read.Content.ReadAsStringAsync());
        Assert.False(await SealedByTheLifecycleAsync(), "the reconciler sealed bytes that were never verified");
        Assert.Null((await VersionAsync(upload)).SealLeaseId);

        async Task<bool> SealedByTheLifecycleAsync()
        {
            await using var scope = factory.Services.CreateAsyncScope();
            var version = await VersionAsync(upload);
            return await scope.ServiceProvider.GetRequiredService<VersionLifecycle>().SealReadyAsync(version, TestData.BlobNameOf(factory, upload), CancellationToken.None);
        }
    }

    [Fact]
    public async Task AWaitingPollAnswersWhenTheVersionBecomesReady()
    {
        var upload = await RegisterAndPutAsync("wait/w.txt", [1]);

        var poll = _api.GetAsync($"{factory.FilesBase}/{upload.FileId}?version_id={upload.VersionId}&wait=20");
        // Completed once the poll is admitted as a waiter, rather than after a guessed 300 ms.
        var waiters = factory.Services.GetRequiredService<VersionWaiters>();
        await Eventually.UntilAsync(() => waiters.ActivePolls == 1, "the poll to wait");
        await CompleteAsync(upload);
        using var answer = await poll;

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
    }

    [Fact]
    public async Task AWaitLongerThanAllowedIs400()
    {
        var upload = await _api.RegisterAsync($"{factory.FilesBase}/path/wait/long.txt");

        using var answer = await _api.GetAsync($"{factory.FilesBase}/{upload.FileId}?version_id={upload.VersionId}&wait=61");

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
    }

    BlobStorage Storage => factory.Services.GetRequiredService<BlobStorage>();

    Task<UploadResponse> RegisterAndPutAsync(string path, byte[] content, object? declaration = null) =>
        factory.RegisterAndPutAsync(_api, $"path/{path}", content, declaration);

    Task<HttpResponseMessage> CompleteAsync(UploadResponse upload) =>
        _api.PostAsync($"{factory.FilesBase}/{upload.FileId}/versions/{upload.VersionId}/complete", null);

    Task<FileVersion> VersionAsync(UploadResponse upload) => factory.VersionAsync(upload);
}
