using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Azure.Storage.Sas;
using FileApi.Files;
using FileApi.Imports;
using FileApi.Storage;
using FileApi.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FileApi.Tests.Imports;

/// <summary>Imports copy in 1 MiB blocks, so a few MiB of source take several Put Block From URL calls.</summary>
public sealed class ImportFactory : FileApiFactory
{
    public const int BlockSize = 1024 * 1024;

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
        [new("Imports:BlockSize", BlockSize.ToString(System.Globalization.CultureInfo.InvariantCulture)), new("Imports:FirstRetryDelay", "00:00:01")];
}

/// <summary>
/// Azurite copies blocks only from itself, so the sources are SAS URLs of blobs in another container of the same
/// Azurite account; in Azure they may be any https URL the blob service can GET (another account, S3, GCS).
/// </summary>
public sealed class ImportTests(ImportFactory factory) : IClassFixture<ImportFactory>
{
    readonly HttpClient _api = factory.CreateClientFor(FileApiFactory.Owner);
    string ImportsBase => factory.FilesBase + "/imports";

    [Fact]
    public async Task AnImportFromASourceOfSeveralBlocksBecomesReadyWithEqualBytes()
    {
        var content = TestData.RandomBytes(3 * ImportFactory.BlockSize + ImportFactory.BlockSize / 2);
        var source = await SourceBlobAsync(content, blocks: 5);

        using var started = await _api.PostAsJsonAsync(ImportsBase, new { path = "imports/big.bin", source_url = source });
        var accepted = await started.Content.ReadFromJsonAsync<ImportAccepted>(FileApiFactory.Json);
        var file = await WaitUntilFinishedAsync(started.Headers.Location!);
        var upload = new UploadResponse(accepted!.FileId, accepted.VersionId, started.Headers.Location!, default);
        var blocks = await factory.Services.GetRequiredService<BlobStorage>().GetBlockListAsync(TestData.BlobNameOf(factory, upload), CancellationToken.None);

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.Equal("importing", accepted.State);
        Assert.Equal(HttpStatusCode.OK, file.StatusCode);
        var ready = (await file.Content.ReadFromJsonAsync<FileResponse>(FileApiFactory.Json))!;
        Assert.Equal(accepted.VersionId, ready.VersionId);
        Assert.Equal(content.Length, ready.Size);
        Assert.Equal("/imports/", ready.Path);
        Assert.Equal(content, await (await TestData.GetAsync(ready.Download)).Content.ReadAsByteArrayAsync());
        Assert.Equal(4, blocks.Committed.Count); // copied in 1 MiB blocks, whatever the source's own blocks were
    }

    [Fact]
    public async Task ADeclaredChecksumIsVerifiedAsForAnUpload()
    {
        var content = TestData.RandomBytes(ImportFactory.BlockSize + 10);
        var source = await SourceBlobAsync(content, blocks: 2);
        var wrongMd5 = Convert.ToBase64String(MD5.HashData(Encoding.ASCII.GetBytes("other bytes")));

        using var matching = await _api.PostAsJsonAsync(ImportsBase,
            new { path = "imports/checked.bin", source_url = source, size = content.Length, content_md5 = Convert.ToBase64String(MD5.HashData(content)) });
        using var mismatching = await _api.PostAsJsonAsync(ImportsBase, new { path = "imports/mismatch.bin", source_url = source, content_md5 = wrongMd5 });
        using var ready = await WaitUntilFinishedAsync(matching.Headers.Location!);
        using var failed = await WaitUntilFinishedAsync(mismatching.Headers.Location!);

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, failed.StatusCode);
        Assert.Equal("md5-mismatch", (await failed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString());
    }

    [Fact]
    public async Task ASourceThatCannotBeReadFailsTheVersionWithImportFailed()
    {
        var missing = (await SourceBlobAsync([1], blocks: 1)).AbsoluteUri.Replace("/source.bin?", "/missing.bin?", StringComparison.Ordinal);

        using var started = await _api.PostAsJsonAsync(ImportsBase, new { path = "imports/missing.bin", source_url = missing });
        using var failed = await WaitUntilFinishedAsync(started.Headers.Location!);

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, failed.StatusCode);
        var problem = await failed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("urn:fileapi:problem:version-failed", problem.GetProperty("type").GetString());
        Assert.Equal(FailureCodes.ImportFailed, problem.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task AnImportNeedsAnHttpSourceAndAValidPath()
    {
        using var notHttp = await _api.PostAsJsonAsync(ImportsBase, new { path = "imports/x.bin", source_url = "file:///etc/passwd" });
        using var noPath = await _api.PostAsJsonAsync(ImportsBase, new { source_url = "http://127.0.0.1:1/x" });
        using var viewer = await ViewerAsync();
        using var forbidden = await viewer.PostAsJsonAsync(ImportsBase, new { path = "imports/x.bin", source_url = "http://127.0.0.1:1/x" });

        Assert.Equal(HttpStatusCode.BadRequest, notHttp.StatusCode);
        Assert.Contains("urn:fileapi:problem:invalid-url", await notHttp.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, noPath.StatusCode);
        Assert.Contains("urn:fileapi:problem:invalid-path", await noPath.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
    }

    async Task<HttpClient> ViewerAsync()
    {
        var name = "import-viewer-" + Guid.NewGuid().ToString("N")[..8];
        await factory.GrantAsync(name, FileApi.Data.WorkspaceRole.Viewer);
        return factory.CreateClientFor(name);
    }

    /// <summary>GET the version with wait= until it is ready (200) or failed (409 version-failed).</summary>
    async Task<HttpResponseMessage> WaitUntilFinishedAsync(Uri version)
    {
        for (var poll = 0; poll < 10; poll++)
        {
            var response = await _api.GetAsync(version.PathAndQuery + "&wait=30");
            if (response.StatusCode == HttpStatusCode.OK || !(await response.Content.ReadAsStringAsync()).Contains("version-not-ready"))
                return response;
            response.Dispose();
        }
        throw new TimeoutException("The import did not finish.");
    }

    /// <summary>A blob committed from <paramref name="blocks"/> blocks in a container of its own, and a read SAS URL for it.</summary>
    internal static async Task<Uri> SourceBlobAsync(byte[] content, int blocks)
    {
        var options = AzuriteServer.Instance.For($"import-source-{Guid.NewGuid():N}");
        var service = new BlobServiceClient(options.ServiceUri, new StorageSharedKeyCredential(options.AccountName, options.AccountKey),
            new BlobClientOptions(BlobStorage.ServiceVersion));
        var container = service.GetBlobContainerClient(options.Container);
        await container.CreateIfNotExistsAsync();
        var blob = container.GetBlockBlobClient("source.bin");
        var ids = new List<string>();
        var step = (content.Length + blocks - 1) / blocks;
        for (var offset = 0; offset < content.Length; offset += step)
        {
            var id = TestData.BlockId(offset);
            using var part = new MemoryStream(content, offset, Math.Min(step, content.Length - offset));
            await blob.StageBlockAsync(id, part);
            ids.Add(id);
        }
        await blob.CommitBlockListAsync(ids);
        return blob.GenerateSasUri(BlobSasPermissions.Read, DateTimeOffset.UtcNow.AddHours(1));
    }
}
