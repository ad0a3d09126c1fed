using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FileApi.Files;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.Files;

/// <summary>A declared content type and metadata, stored per version, answered everywhere a version is, and served by the download link.</summary>
public sealed class VersionMetadataTests(FileApiFactory factory) : IClassFixture<FileApiFactory>
{
    readonly HttpClient _api = factory.CreateClientFor(FileApiFactory.Owner);

    [Fact]
    public async Task ContentTypeAndMetadataRoundTripAndTheDownloadServesTheDeclaredType()
    {
        var content = "region,total\nnorth,12\n"u8.ToArray();
        var upload = await factory.UploadReadyAsync(_api, "path/meta/report.csv", content, new
        {
            content_type = "Text/CSV; charset=utf-8",
            metadata = new Dictionary<string, string> { ["survey.id"] = "S-42", ["crs"] = "EPSG:28355", ["note"] = "ünïcode ✓" },
        });

        var file = await StrictJson.ReadAsync(await _api.GetAsync($"{factory.FilesBase}/{upload.FileId}?include_versions=true"));
        Assert.Equal("text/csv; charset=utf-8", file.GetProperty("content_type").GetString());
        var expected = new Dictionary<string, string> { ["crs"] = "EPSG:28355", ["note"] = "ünïcode ✓", ["survey.id"] = "S-42" };
        Assert.Equal(expected, Metadata(file));
        var version = Assert.Single(file.GetProperty("versions").EnumerateArray());
        Assert.Equal("text/csv; charset=utf-8", version.GetProperty("content_type").GetString());
        Assert.Equal(expected, Metadata(version));
        var listed = (await StrictJson.ReadAsync(await _api.GetAsync($"{factory.FilesBase}?folder=/meta/&file_name=report"))).GetProperty("files")[0];
        Assert.Equal("text/csv; charset=utf-8", listed.GetProperty("content_type").GetString());
        Assert.Equal(expected, Metadata(listed));

        using var download = await TestData.GetAsync(new Uri(file.GetProperty("download").GetString()!));
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("text/csv; charset=utf-8", download.Content.Headers.ContentType?.ToString());
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal(content, await download.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task WithoutADeclaredTypeTheDownloadIsOctetStreamWhateverTheUploaderSentToStorage()
    {
        var upload = await factory.RegisterAndPutAsync(_api, "path/meta/plain.bin", [1, 2, 3]);
        // The uploader labels the blob itself; the link overrides what storage would serve.
        using (var relabel = new HttpRequestMessage(HttpMethod.Put, $"{upload.Upload}&comp=properties"))
        {
            relabel.Headers.Add("x-ms-blob-content-type", "text/html");
            using var relabelled = await new HttpClient().SendAsync(relabel);
            Assert.Equal(HttpStatusCode.OK, relabelled.StatusCode);
        }
        using (var delivered = await factory.DeliverEventsAsync(TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, upload))))
            Assert.Equal(HttpStatusCode.OK, delivered.StatusCode);

        var file = await StrictJson.ReadAsync(await _api.GetAsync($"{factory.FilesBase}/{upload.FileId}"));
        using var download = await TestData.GetAsync(new Uri(file.GetProperty("download").GetString()!));

        Assert.Equal("application/octet-stream", file.GetProperty("content_type").GetString());
        Assert.Empty(Metadata(file));
        Assert.Equal("application/octet-stream", download.Content.Headers.ContentType?.ToString());
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
    }

    [Theory]
    [InlineData("text/html", "page.html")]
    [InlineData("image/svg+xml", "logo.svg")]
    [InlineData("application/javascript", "app.js")]
    [InlineData("application/xml", "feed.xml")]
    public async Task DangerousTypesAreServedAsDeclaredButOnlyAsAttachments(string contentType, string name)
    {
        var upload = await factory.UploadReadyAsync(_api, $"path/meta/danger/{name}", "<script>alert(1)</script>"u8.ToArray(), new { content_type = contentType });

        var file = await _api.GetFromJsonAsync<FileResponse>($"{factory.FilesBase}/{upload.FileId}", FileApiFactory.Json);
        using var download = await TestData.GetAsync(file!.Download);

        Assert.Equal(contentType, download.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal(name, download.Content.Headers.ContentDisposition?.FileNameStar);
    }

    [Fact]
    public async Task EachVersionKeepsItsOwnTypeAndMetadata()
    {
        var first = await factory.UploadReadyAsync(_api, "path/meta/two.txt", [1], new { content_type = "text/plain", metadata = new { stage = "draft" } });
        var second = await factory.UploadReadyAsync(_api, "path/meta/two.txt", [1, 2], new { metadata = new { stage = "final", by = "qa" } });

        var file = await StrictJson.ReadAsync(await _api.GetAsync($"{factory.FilesBase}/{first.FileId}?include_versions=true"));
        var versions = file.GetProperty("versions").EnumerateArray().ToList();

        Assert.Equal(second.VersionId, file.GetProperty("version_id").GetString());
        Assert.Equal(("application/octet-stream", "final"), (file.GetProperty("content_type").GetString(), Metadata(file)["stage"]));
        Assert.Equal([second.VersionId, first.VersionId], versions.Select(v => v.GetProperty("version_id").GetString()));
        Assert.Equal(new Dictionary<string, string> { ["by"] = "qa", ["stage"] = "final" }, Metadata(versions[0]));
        Assert.Equal("text/plain", versions[1].GetProperty("content_type").GetString());
        Assert.Equal(new Dictionary<string, string> { ["stage"] = "draft" }, Metadata(versions[1]));
        var old = await StrictJson.ReadAsync(await _api.GetAsync($"{factory.FilesBase}/{first.FileId}?version_id={first.VersionId}"));
        using var download = await TestData.GetAsync(new Uri(old.GetProperty("download").GetString()!));
        Assert.Equal("text/plain", download.Content.Headers.ContentType?.MediaType);
    }

    public static TheoryData<string, string> InvalidDeclarations() => new()
    {
        { """{"content_type": "text"}""", "invalid-content-type" },
        { """{"content_type": "*/*"}""", "invalid-content-type" },
        { """{"content_type": "text/*"}""", "invalid-content-type" },
        { """{"content_type": ""}""", "invalid-content-type" },
        { """{"content_type": "text/plain\u000d\u000aX-Evil: 1"}""", "invalid-content-type" },
        { """{"content_type": "text/pl\u00e4in"}""", "invalid-content-type" },
        { $$"""{"content_type": "application/{{new string('x', 250)}}"}""", "invalid-content-type" },
        { """{"metadata": {"Upper": "x"}}""", "invalid-metadata" },
        { """{"metadata": {"": "x"}}""", "invalid-metadata" },
        { """{"metadata": {"_leading": "x"}}""", "invalid-metadata" },
        { """{"metadata": {"has space": "x"}}""", "invalid-metadata" },
        { "{\"metadata\": {\"" + new string('k', 65) + "\": \"x\"}}", "invalid-metadata" },
        { "{\"metadata\": {\"k\": \"" + new string('v', 1025) + "\"}}", "invalid-metadata" },
        { """{"metadata": {"k": "line\nbreak"}}""", "invalid-metadata" },
        { """{"metadata": {"k": null}}""", "invalid-metadata" },
        { "{\"metadata\": {" + string.Join(", ", Enumerable.Range(0, 33).Select(i => $"\"k{i}\": \"v\"")) + "}}", "invalid-metadata" },
        { "{\"metadata\": {" + string.Join(", ", Enumerable.Range(0, 9).Select(i => $"\"k{i}\": \"{new string('v', 1000)}\"")) + "}}", "invalid-metadata" },
        { """{"metadata": {"k": 5}}""", "invalid-request" },
        { """{"metadata": ["a"]}""", "invalid-request" },
        { """{"content_type": 7}""", "invalid-request" },
    };

    [Theory]
    [MemberData(nameof(InvalidDeclarations))]
    public async Task InvalidContentTypeOrMetadataIsA400ThatChangesNothing(string body, string type)
    {
        var existing = await factory.UploadReadyAsync(_api, $"path/meta/invalid/{Guid.NewGuid():N}.txt", [7]);
        var fresh = $"{factory.FilesBase}/path/meta/invalid/{Guid.NewGuid():N}.txt";

        using var byPath = await _api.PutAsync(fresh, new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        using var byId = await _api.PutAsync($"{factory.FilesBase}/{existing.FileId}", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        await StrictJson.ReadProblemAsync(byPath, HttpStatusCode.BadRequest, "urn:fileapi:problem:" + type);
        await StrictJson.ReadProblemAsync(byId, HttpStatusCode.BadRequest, "urn:fileapi:problem:" + type);
        using var notCreated = await _api.GetAsync(fresh);
        Assert.Equal(HttpStatusCode.NotFound, notCreated.StatusCode);
        var version = await factory.VersionAsync(existing);
        using var scope = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.CreateScope(factory.Services);
        var db = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<FileApi.Data.FileApiDb>(scope.ServiceProvider);
        Assert.Equal(1, db.FileVersions.Count(v => v.FileId == existing.FileId));
        Assert.Equal(long.Parse(existing.VersionId), db.Files.Single(f => f.Id == existing.FileId).LatestVersionId);
        Assert.Null(version.Metadata);
    }

    [Fact]
    public async Task TheLimitsThemselvesAreAccepted()
    {
        var metadata = Enumerable.Range(0, 32).ToDictionary(i => $"k{i:D2}-{new string('x', 60)}"[..64], i => new string('v', 192));
        var upload = await factory.UploadReadyAsync(_api, "path/meta/limits.bin", [1], new
        {
            content_type = "application/" + new string('x', 243),
            metadata,
        });

        var file = await StrictJson.ReadAsync(await _api.GetAsync($"{factory.FilesBase}/{upload.FileId}"));

        Assert.Equal(255, file.GetProperty("content_type").GetString()!.Length);
        Assert.Equal(metadata.OrderBy(e => e.Key, StringComparer.Ordinal), Metadata(file));
    }

    static Dictionary<string, string> Metadata(JsonElement element) =>
        element.GetProperty("metadata").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
}
