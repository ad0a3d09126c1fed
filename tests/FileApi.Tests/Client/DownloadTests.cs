using System.Net;
using FileApi.Client;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.Client;

/// <summary>Downloads: streaming with progress, resume of a partial file, and a connection that breaks mid-body.</summary>
public sealed class DownloadTests(FileApiFactory factory) : IClassFixture<FileApiFactory>, IDisposable
{
    readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("fileapi-download-test-");

    [Fact]
    public async Task AnInterruptedDownloadResumesFromItsPartialFile()
    {
        var storage = new StorageSpy(factory);
        var files = factory.WorkspaceClientFor(storage);
        await using var content = new DeterministicStream(1_000_000);
        var file = await files.UploadAsync("downloads/resume.bin", content);
        var target = Path.Combine(_directory.FullName, "resume.bin");
        var expected = new byte[content.Length];
        content.Position = 0;
        content.ReadExactly(expected);
        await File.WriteAllBytesAsync(WorkspaceClient.PartialPath(target, file.VersionId), expected[..300_000]);
        var progress = new RecordingProgress<DownloadProgress>(p => p.BytesTransferred);

        await files.DownloadToAsync("downloads/resume.bin", target, new DownloadOptions { Progress = progress });

        Assert.Equal(["bytes=300000-"], storage.Ranges);
        Assert.Equal(expected, await File.ReadAllBytesAsync(target));
        Assert.Equal(300_000, progress.Reports[0]);
        ClientTestKit.AssertMonotonicAndComplete(progress.Reports, content.Length);
    }

    [Fact]
    public async Task AConnectionThatBreaksMidBodyIsPickedUpWhereItStopped()
    {
        var storage = new StorageSpy(factory);
        var files = factory.WorkspaceClientFor(storage);
        await using var content = new DeterministicStream(2_000_000);
        var file = await files.UploadAsync("downloads/broken.bin", content);
        var broken = 0;
        storage.After = (request, response) =>
        {
            if (request.Method != HttpMethod.Get || !response.IsSuccessStatusCode || Interlocked.Exchange(ref broken, 1) != 0)
                return response;
            var cut = new HttpResponseMessage(response.StatusCode) { RequestMessage = request, Content = new StreamContent(new BreaksAfter(response.Content.ReadAsStream(), 700_000)) };
            foreach (var header in response.Content.Headers)
                cut.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            return cut;
        };

        await using var downloaded = new HashingStream();
        await files.DownloadToAsync(file.FileId, downloaded);

        Assert.Equal(2, storage.Ranges.Count);
        Assert.True(storage.Ranges[0] is null or "bytes=0-", $"The first request asked for {storage.Ranges[0]}.");
        Assert.Matches(@"^bytes=[1-9]\d*-$", storage.Ranges[1]);
        Assert.Equal(ClientTestKit.Sha256(content), downloaded.Sha256);
    }

    [Fact]
    public async Task DownloadingAFileThatDoesNotExistThrowsTheProblem()
    {
        var files = factory.WorkspaceClientFor(new StorageSpy(factory));

        var problem = await Assert.ThrowsAsync<FileApiException>(() => files.DownloadToAsync("downloads/none.bin", new HashingStream()));

        Assert.Equal(404, problem.Status);
        Assert.Equal(FileApiProblemTypes.FileNotFound, problem.Type);
    }

    public void Dispose() => _directory.Delete(recursive: true);

    /// <summary>A body whose connection drops after some bytes.</summary>
    sealed class BreaksAfter(Stream inner, long limit) : Stream
    {
        long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_read >= limit)
                throw new IOException("The connection was reset by the test.");
            var read = inner.Read(buffer, offset, (int)Math.Min(count, limit - _read));
            _read += read;
            return read;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
