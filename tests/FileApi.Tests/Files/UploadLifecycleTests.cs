using System.Net;
using System.Net.Http.Json;
using FileApi.Files;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.Files;

/// <summary>Register, upload straight to storage, event, poll, download: the spine of the product.</summary>
public class UploadLifecycleTests(FileApiFactory factory) : IClassFixture<FileApiFactory>
{
    readonly HttpClient _api = factory.CreateClientFor(FileApiFactory.Owner);

    [Fact]
    public async Task RegisteringByPathCreatesTheFileAndAnswersWithAnUploadLink()
    {
        var upload = await _api.RegisterAsync($"{factory.FilesBase}/path/reports/q1.csv");

        Assert.NotEqual(Guid.Empty, upload.FileId);
        Assert.True(long.Parse(upload.VersionId) > 0);
        Assert.Contains(factory.Container, upload.Upload.AbsolutePath);
        Assert.Contains("sig=", upload.Upload.Query);
        Assert.InRange(upload.UploadExpiresAt, DateTimeOffset.UtcNow.AddMinutes(29), DateTimeOffset.UtcNow.AddMinutes(31));
    }

    [Fact]
    public async Task VersionIdIsAJsonStringAndTheAnswerIs200()
    {
        using var response = await _api.PutAsync($"{factory.FilesBase}/path/json-shape.txt", null);
        var json = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(System.Text.Json.JsonValueKind.String, json.GetProperty("version_id").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.String, json.GetProperty("file_id").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.String, json.GetProperty("upload").ValueKind);
    }

    [Fact]
    public async Task ASinglePutBlobThenAnEventMakesTheVersionReadyWithTheUploadedBytes()
    {
        var content = TestData.RandomBytes(70_000);
        var upload = await _api.RegisterAsync($"{factory.FilesBase}/path/single/put-blob.bin");

        using var put = await TestData.PutBlobAsync(upload.Upload, content);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        using var delivered = await factory.DeliverEventsAsync(TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, upload)));
        Assert.Equal(HttpStatusCode.OK, delivered.StatusCode);

        var file = await _api.GetFromJsonAsync<FileResponse>($"{factory.FilesBase}/path/single/put-blob.bin", FileApiFactory.Json);
        Assert.Equal(upload.VersionId, file!.VersionId);
        Assert.Equal(content.Length, file.Size);
        Assert.Equal("put-blob.bin", file.Name);
        Assert.Equal("/single/", file.Path);
        Assert.False(string.IsNullOrEmpty(file.Etag));
        Assert.Equal(content, await (await TestData.GetAsync(file.Download)).Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task BlocksAndABlockListMakeOneFileWhoseBytesDownloadIntact()
    {
        var content = TestData.RandomBytes(3 * 100_000 + 17);
        var upload = await _api.RegisterAsync($"{factory.FilesBase}/path/blocks/big.bin");

        var ids = new List<string>();
        var uploads = new List<Task<HttpResponseMessage>>();
        for (var offset = 0; offset < content.Length; offset += 100_000)
        {
            var id = TestData.BlockId(offset);
            ids.Add(id);
            uploads.Add(TestData.PutBlockAsync(upload.Upload, id, content[offset..Math.Min(offset + 100_000, content.Length)]));
        }
        foreach (var response in await Task.WhenAll(uploads))
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var commit = await TestData.PutBlockListAsync(upload.Upload, ids);
        Assert.Equal(HttpStatusCode.Created, commit.StatusCode);
        await factory.DeliverEventsAsync(TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, upload)));

        var file = await _api.GetFromJsonAsync<FileResponse>($"{factory.FilesBase}/{upload.FileId}", FileApiFactory.Json);
        Assert.Equal(content.Length, file!.Size);
        using var download = await TestData.GetAsync(file.Download);
        Assert.Equal(content, await download.Content.ReadAsByteArrayAsync());
        Assert.Contains("attachment", download.Content.Headers.ContentDisposition?.ToString());
        Assert.Contains("big.bin", download.Content.Headers.ContentDisposition?.ToString());
    }

    [Fact]
    public async Task PollingAnswersNotVisibleThenStillUploadingThenReady()
    {
        var url = $"{factory.FilesBase}/path/polling/p.txt";
        var upload = await _api.RegisterAsync(url);

        using var notVisible = await _api.GetAsync(url);
        Assert.Equal(HttpStatusCode.NotFound, notVisible.StatusCode);
        Assert.Equal("application/problem+json", notVisible.Content.Headers.ContentType?.MediaType);

        using var uploading = await _api.GetAsync($"{url}?version_id={upload.VersionId}");
        Assert.Equal(HttpStatusCode.Conflict, uploading.StatusCode);
        Assert.Contains("urn:fileapi:problem:version-not-ready", await uploading.Content.ReadAsStringAsync());
        Assert.NotNull(uploading.Headers.RetryAfter);

        await TestData.PutBlobAsync(upload.Upload, [1, 2, 3]);
        await factory.DeliverEventsAsync(TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, upload)));

        using var ready = await _api.GetAsync($"{url}?version_id={upload.VersionId}");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task AVersionThatDoesNotExistIsToldApartFromOneStillUploading()
    {
        var upload = await _api.RegisterAsync($"{factory.FilesBase}/path/versions/missing.txt");

        using var missing = await _api.GetAsync($"{factory.FilesBase}/{upload.FileId}?version_id=12345");

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("urn:fileapi:problem:version-not-found", await missing.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ASecondVersionGetsANewIdAndBothAreListedAndReadable()
    {
        var url = $"{factory.FilesBase}/path/versions/two.txt";
        var first = await UploadReadyAsync(url, [1]);
        var second = await UploadReadyAsync($"{factory.FilesBase}/{first.FileId}", [2, 2]);

        Assert.Equal(first.FileId, second.FileId);
        Assert.True(long.Parse(second.VersionId) > long.Parse(first.VersionId));

        var file = await _api.GetFromJsonAsync<FileResponse>($"{url}?include_versions=True", FileApiFactory.Json);
        Assert.Equal(second.VersionId, file!.VersionId);
        Assert.Equal([second.VersionId, first.VersionId], file.Versions!.Select(v => v.VersionId));
        Assert.True(file.Versions![0].CreatedAt > file.Versions[1].CreatedAt);

        var old = await _api.GetFromJsonAsync<FileResponse>($"{url}?version_id={first.VersionId}", FileApiFactory.Json);
        Assert.Equal(1, old!.Size);
        Assert.Equal([1], await (await TestData.GetAsync(old.Download)).Content.ReadAsByteArrayAsync());
        var latest = await _api.GetFromJsonAsync<FileResponse>($"{url}?version_id={second.VersionId}", FileApiFactory.Json);
        Assert.Equal([2, 2], await (await TestData.GetAsync(latest!.Download)).Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task WithoutIncludeVersionsTheVersionListIsLeftOut()
    {
        await UploadReadyAsync($"{factory.FilesBase}/path/versions/plain.txt", [1]);

        var json = await _api.GetFromJsonAsync<System.Text.Json.JsonElement>($"{factory.FilesBase}/path/versions/plain.txt?include_versions=false");

        Assert.False(json.TryGetProperty("versions", out _));
        Assert.Equal(System.Text.Json.JsonValueKind.String, json.GetProperty("version_id").ValueKind);
        Assert.StartsWith("http://localhost/file/v2/orgs/", json.GetProperty("self").GetString());
    }

    [Fact]
    public async Task PathLookupsIgnoreCaseAndKeepTheFirstSpelling()
    {
        var first = await UploadReadyAsync($"{factory.FilesBase}/path/Case/Report.PDF", [1]);
        var second = await _api.RegisterAsync($"{factory.FilesBase}/path/case/report.pdf");

        Assert.Equal(first.FileId, second.FileId);
        var file = await _api.GetFromJsonAsync<FileResponse>($"{factory.FilesBase}/path/CASE/REPORT.pdf", FileApiFactory.Json);
        Assert.Equal("Report.PDF", file!.Name);
        Assert.Equal("/Case/", file.Path);
    }

    [Fact]
    public async Task ALeadingSlashAndDecomposedUnicodeNameTheSameFile()
    {
        var composed = await UploadReadyAsync($"{factory.FilesBase}/path/caf%C3%A9.txt", [1]);
        var decomposed = await _api.RegisterAsync($"{factory.FilesBase}/path//cafe%CC%81.txt");

        Assert.Equal(composed.FileId, decomposed.FileId);
    }

    [Fact]
    public async Task RenewingAnUploadingVersionKeepsTheVersionAndItsBlocks()
    {
        var upload = await _api.RegisterAsync($"{factory.FilesBase}/path/renew/r.bin");
        await TestData.PutBlockAsync(upload.Upload, TestData.BlockId(0), [9, 9, 9]);

        var renewed = await _api.RegisterAsync($"{factory.FilesBase}/{upload.FileId}?version_id={upload.VersionId}");
        using var commit = await TestData.PutBlockListAsync(renewed.Upload, [TestData.BlockId(0)]);

        Assert.Equal(upload.VersionId, renewed.VersionId);
        Assert.Equal(HttpStatusCode.Created, commit.StatusCode);
    }

    [Fact]
    public async Task RenewingAReadyVersionIsRefused()
    {
        var ready = await UploadReadyAsync($"{factory.FilesBase}/path/renew/done.bin", [1]);

        using var response = await _api.PutAsync($"{factory.FilesBase}/{ready.FileId}?version_id={ready.VersionId}", null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("urn:fileapi:problem:version-not-uploading", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task RegisteringByIdForAFileThatDoesNotExistIs404()
    {
        using var response = await _api.PutAsync($"{factory.FilesBase}/{Guid.NewGuid()}", null);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("urn:fileapi:problem:file-not-found", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ConcurrentFirstUploadsToOnePathMakeOneFileWithDistinctVersions()
    {
        var uploads = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _api.RegisterAsync($"{factory.FilesBase}/path/race/same.txt")));

        Assert.Single(uploads.Select(u => u.FileId).Distinct());
        Assert.Equal(8, uploads.Select(u => u.VersionId).Distinct().Count());
    }

    [Fact]
    public async Task TheUploadLinkOfOneVersionCannotWriteAnotherVersionsBlob()
    {
        var mine = await _api.RegisterAsync($"{factory.FilesBase}/path/sas/mine.txt");
        var theirs = await _api.RegisterAsync($"{factory.FilesBase}/path/sas/theirs.txt");

        var forged = new Uri(theirs.Upload.GetLeftPart(UriPartial.Path) + mine.Upload.Query);
        using var response = await TestData.PutBlobAsync(forged, [6, 6, 6]);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task TheDownloadLinkCannotWrite()
    {
        var ready = await UploadReadyAsync($"{factory.FilesBase}/path/sas/read-only.txt", [1, 2]);
        var file = await _api.GetFromJsonAsync<FileResponse>($"{factory.FilesBase}/{ready.FileId}", FileApiFactory.Json);

        using var overwrite = await TestData.PutBlobAsync(file!.Download, [6, 6, 6]);

        Assert.Equal(HttpStatusCode.Forbidden, overwrite.StatusCode);
        Assert.Equal([1, 2], await (await TestData.GetAsync(file.Download)).Content.ReadAsByteArrayAsync());
    }

    Task<UploadResponse> UploadReadyAsync(string url, byte[] content) =>
        factory.UploadReadyAsync(_api, url[(factory.FilesBase.Length + 1)..], content);
}
