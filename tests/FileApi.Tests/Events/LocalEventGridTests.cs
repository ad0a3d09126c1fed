using System.Net;
using System.Net.Http.Json;
using Azure.Messaging.EventGrid;
using Azure.Messaging.EventGrid.SystemEvents;
using FileApi.Data;
using FileApi.Files;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.Events;

/// <summary>
/// The local event stand-in: a proxy in front of Azurite that raises BlobCreated when a write commits, as the blob
/// service does in Azure. Uploads go to the API's own SAS links, addressed to the proxy (same path, same signature).
/// </summary>
public sealed class LocalEventGridTests(FileApiFactory factory) : IClassFixture<FileApiFactory>, IAsyncLifetime
{
    readonly HttpClient _api = factory.CreateClientFor(FileApiFactory.Owner);
    LocalEventGridProxy _proxy = null!;

    public async Task InitializeAsync() => _proxy = await LocalEventGridProxy.StartAsync(() => factory.Server.CreateHandler());

    public async Task DisposeAsync() => await _proxy.DisposeAsync();

    [Fact]
    public async Task APutBlobThroughTheProxyMakesTheVersionReadyWithNoOneElseDeliveringTheEvent()
    {
        var upload = await _api.RegisterAsync($"{factory.FilesBase}/path/standin/put.txt");

        using var put = await TestData.PutBlobAsync(_proxy.Via(upload.Upload), [1, 2, 3]);
        await _proxy.Events.IdleAsync();

        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var created = Assert.Single(_proxy.DeliveredFor(factory.Container, BlobNameOf(upload)));
        var data = Assert.IsType<StorageBlobCreatedEventData>(created.TryGetSystemEventData(out var parsed) ? parsed : null);
        Assert.Equal("PutBlob", data.Api);
        Assert.Equal(3, data.ContentLength);
        Assert.Equal(put.Headers.ETag!.Tag, data.ETag);
        var version = await factory.VersionAsync(upload);
        Assert.Equal(VersionStatus.Ready, version.Status);
        Assert.Equal(3, version.Size);
    }

    [Theory]
    [InlineData("text/csv", null)]
    [InlineData(null, "text/plain")]
    [InlineData("text/csv", "text/plain")]
    [InlineData(null, null)]
    public async Task APutBlobsEventCarriesTheLengthAndContentTypeTheBlobWasStoredWith(string? blobContentType, string? contentType)
    {
        var upload = await _api.RegisterAsync($"{factory.FilesBase}/path/standin/typed-{Guid.NewGuid():N}.txt");

        using (var request = new HttpRequestMessage(HttpMethod.Put, _proxy.Via(upload.Upload)) { Content = new ByteArrayContent(new byte[5]) })
        {
            request.Headers.Add("x-ms-blob-type", "BlockBlob");
            if (blobContentType is not null)
                request.Headers.Add("x-ms-blob-content-type", blobContentType);
            if (contentType is not null)
                request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
            using var put = await new HttpClient().SendAsync(request);
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        }
        await _proxy.Events.IdleAsync();

        var created = Assert.Single(_proxy.DeliveredFor(factory.Container, BlobNameOf(upload)));
        var data = Assert.IsType<StorageBlobCreatedEventData>(created.TryGetSystemEventData(out var parsed) ? parsed : null);
        using var stored = await new HttpClient().SendAsync(new HttpRequestMessage(HttpMethod.Head, upload.Upload));
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        Assert.Equal(5, data.ContentLength);
        Assert.Equal(stored.Content.Headers.ContentType?.ToString(), data.ContentType);
    }

    [Fact]
    public async Task APutBlockListCommitRaisesExactlyOneBlobCreatedAndStagingItsBlocksRaisesNone()
    {
        var upload = await _api.RegisterAsync($"{factory.FilesBase}/path/standin/blocks.bin");
        var link = _proxy.Via(upload.Upload);
        var blocks = new[] { TestData.RandomBytes(1000), TestData.RandomBytes(500) };

        foreach (var (block, i) in blocks.Select((b, i) => (b, i)))
        {
            using var staged = await TestData.PutBlockAsync(link, TestData.BlockId(i * 1000), block);
            Assert.Equal(HttpStatusCode.Created, staged.StatusCode);
        }
        await _proxy.Events.IdleAsync();
        var afterStaging = _proxy.DeliveredFor(factory.Container, BlobNameOf(upload));
        var statusAfterStaging = (await factory.VersionAsync(upload)).Status;
        using var committed = await TestData.PutBlockListAsync(link, [TestData.BlockId(0), TestData.BlockId(1000)]);
        await _proxy.Events.IdleAsync();

        Assert.Empty(afterStaging);
        Assert.Equal(VersionStatus.Uploading, statusAfterStaging);
        Assert.Equal(HttpStatusCode.Created, committed.StatusCode);
        var created = Assert.Single(_proxy.DeliveredFor(factory.Container, BlobNameOf(upload)));
        Assert.Equal(SystemEventNames.StorageBlobCreated, created.EventType);
        var data = Assert.IsType<StorageBlobCreatedEventData>(created.TryGetSystemEventData(out var parsed) ? parsed : null);
        Assert.Equal("PutBlockList", data.Api);
        Assert.Equal(1500, data.ContentLength);
        Assert.Equal(committed.Headers.ETag!.Tag, data.ETag);
        Assert.Equal(VersionStatus.Ready, (await factory.VersionAsync(upload)).Status);
    }

    [Fact]
    public async Task AWriteTheBlobServiceRefusesRaisesNoEvent()
    {
        var upload = await _api.RegisterAsync($"{factory.FilesBase}/path/standin/refused.bin");
        var link = _proxy.Via(upload.Upload);
        var forged = new Uri(link.AbsoluteUri.Replace("sig=", "sig=AA", StringComparison.Ordinal));

        using var unsigned = await TestData.PutBlobAsync(forged, [1]);
        using var unknownBlocks = await TestData.PutBlockListAsync(link, [TestData.BlockId(0)]);
        await _proxy.Events.IdleAsync();

        Assert.Equal(HttpStatusCode.Forbidden, unsigned.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, unknownBlocks.StatusCode);
        Assert.Empty(_proxy.DeliveredFor(factory.Container, BlobNameOf(upload)));
        Assert.Equal(VersionStatus.Uploading, (await factory.VersionAsync(upload)).Status);
    }

    [Fact]
    public async Task ReadsAndOtherRequestsPassThroughUnchanged()
    {
        var upload = await _api.RegisterAsync($"{factory.FilesBase}/path/standin/read.txt");
        using var put = await TestData.PutBlobAsync(_proxy.Via(upload.Upload), "hello"u8.ToArray());
        await _proxy.Events.IdleAsync();
        using var file = await _api.GetAsync($"{factory.FilesBase}/{upload.FileId}?version_id={upload.VersionId}");
        var download = (await file.Content.ReadFromJsonAsync<FileResponse>(FileApiFactory.Json))!.Download!;

        using var read = await TestData.GetAsync(_proxy.Via(download));

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("hello", await read.Content.ReadAsStringAsync());
        Assert.Single(_proxy.DeliveredFor(factory.Container, BlobNameOf(upload)));
    }

    string BlobNameOf(UploadResponse upload) => TestData.BlobNameOf(factory, upload);
}
