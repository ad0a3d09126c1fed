using FileApi.Storage;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.Storage;

public sealed class JsSdkUploadTests(StorageTestContainer container) : IClassFixture<StorageTestContainer>
{
    private readonly BlobStorage _storage = container.Storage;

    [Fact]
    public async Task OfficialJsSdkUploadsParallelBlocksThroughTheUploadSas()
    {
        const int blockSize = 16 * 1024;
        var name = $"{StorageTestContainer.UniqueBlobName()}/upload from the JS SDK ✓.bin";
        var content = SasRequests.RandomBytes(5 * blockSize + 123);
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(file, content);
            var sas = await _storage.CreateUploadUriAsync(name, StorageTestContainer.InAnHour, CancellationToken.None);

            await Node.RunScriptAsync(Path.Combine("Storage", "js", "upload-with-sdk.js"),
                sas.AbsoluteUri, file, blockSize.ToString(), "4");
        }
        finally
        {
            File.Delete(file);
        }

        Assert.Equal(6, (await _storage.GetBlockListAsync(name, CancellationToken.None)).Committed.Count);
        using var download = await container.Client.GetBlobAsync(
            await _storage.CreateDownloadUriAsync(name, "upload.bin", DateTimeOffset.UtcNow.AddMinutes(10), null, CancellationToken.None));
        download.EnsureSuccessStatusCode();
        Assert.Equal(content, await download.Content.ReadAsByteArrayAsync());
    }
}
