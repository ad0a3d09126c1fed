using System.Net;
using FileApi.Client;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.Client;

/// <summary>Uploads through FileApi.Client against the real API and Azurite: blocks, memory, progress, retries, resume.</summary>
public sealed class UploadTests(FileApiFactory factory) : IClassFixture<FileApiFactory>
{
    const int MiB = 1024 * 1024;

    [Fact]
    public async Task A200MegabyteUploadSendsParallelBlocksWithBoundedMemoryAndDownloadsIntact()
    {
        const long size = 200L * MiB;
        const int blockSize = 8 * MiB, concurrency = 4;
        var pool = new CountingArrayPool();
        var storage = new StorageSpy(factory);
        var inFlight = 0;
        var maxInFlight = 0;
        storage.Before = (request, _) =>
        {
            if (StorageSpy.IsPutBlock(request))
                InterlockedMax(ref maxInFlight, Interlocked.Increment(ref inFlight));
            return Task.FromResult<HttpResponseMessage?>(null);
        };
        // Over, not After: an attempt that timed out and was retried is no longer in flight either.
        storage.Over = request =>
        {
            if (StorageSpy.IsPutBlock(request))
                Interlocked.Decrement(ref inFlight);
        };
        var files = factory.WorkspaceClientFor(storage, options =>
        {
            options.BlockSize = blockSize;
            options.MaxConcurrency = concurrency;
            options.BufferPool = pool;
        });
        var progress = new RecordingProgress<UploadProgress>(p => p.BytesTransferred);
        await using var content = new DeterministicStream(size);

        var file = await files.UploadAsync("big/200mb.bin", content, new UploadOptions { Progress = progress, DeclareSha256 = true });

        Assert.Equal(size, file.Size);
        Assert.Equal(25, storage.AcceptedBlocks.Count);
        Assert.InRange(maxInFlight, 2, concurrency);
        Assert.InRange(pool.PeakBytes, blockSize, (long)blockSize * (concurrency + 2));
        Assert.Equal(0, pool.OutstandingBytes);
        ClientTestKit.AssertMonotonicAndComplete(progress.Reports, size);
        Assert.True(progress.Reports.Count > 25 * 10, $"Progress came in {progress.Reports.Count} reports: a block at a time, not as bytes were written.");

        await files.AssertDownloadsAsync(file, content);
    }

    [Fact]
    public async Task AnUploadCancelledMidwayResumesSendingOnlyTheMissingBlocks()
    {
        const int blockSize = 256 * 1024, blocks = 10;
        await using var content = new DeterministicStream((long)blockSize * blocks - 1000);
        var storage = new StorageSpy(factory);
        var files = factory.WorkspaceClientFor(storage, options => (options.BlockSize, options.MaxConcurrency) = (blockSize, 2));
        using var crash = new CancellationTokenSource();
        storage.After = (request, response) =>
        {
            if (StorageSpy.IsPutBlock(request) && storage.AcceptedBlocks.Count >= 3)
                crash.Cancel();
            return response;
        };
        // Every block the client sent, as it leaves: one in flight at the crash may be held without the client hearing back.
        var sent = new System.Collections.Concurrent.ConcurrentBag<string>();
        storage.Before = (request, _) =>
        {
            if (StorageSpy.IsPutBlock(request))
                sent.Add(System.Web.HttpUtility.ParseQueryString(request.RequestUri!.Query)["blockid"]!);
            return Task.FromResult<HttpResponseMessage?>(null);
        };
        UploadState? state = null;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => files.UploadAsync("resume/cancelled.bin", content,
            new UploadOptions { Started = (s, _) => { state = s; return ValueTask.CompletedTask; } }, crash.Token));

        Assert.NotNull(state);
        Assert.Equal(0, storage.BlockLists);
        // Blocks in flight at the crash may reach storage, and be heard accepted, before or after the test asks storage.
        var acceptedBeforeAsking = storage.AcceptedBlocks.ToHashSet();
        var held = await ClientTestKit.HeldBlocksAsync(factory, state!);
        Assert.Subset(sent.ToHashSet(), held.Keys.ToHashSet());
        Assert.Superset(acceptedBeforeAsking, held.Keys.ToHashSet());
        Assert.InRange(held.Count, 3, blocks - 1);

        var resumedStorage = new StorageSpy(factory);
        var resumedFiles = factory.WorkspaceClientFor(resumedStorage, options => (options.BlockSize, options.MaxConcurrency) = (blockSize, 2));
        var progress = new RecordingProgress<UploadProgress>(p => p.BytesTransferred);
        var file = await resumedFiles.UploadAsync("resume/cancelled.bin", content, new UploadOptions { ResumeFrom = state, Progress = progress });

        // A block in flight at the crash may still land in storage after it was asked, so the resumed upload may skip it too.
        Assert.InRange(resumedStorage.AcceptedBlocks.Count, 1, blocks - held.Count);
        Assert.Empty(resumedStorage.AcceptedBlocks.Intersect(held.Keys));
        Assert.Equal(state!.VersionId, file.VersionId);
        Assert.InRange(progress.Reports[0], held.Values.Sum(), content.Length - 1);
        ClientTestKit.AssertMonotonicAndComplete(progress.Reports, content.Length);
        await resumedFiles.AssertDownloadsAsync(file, content);
    }

    [Fact]
    public async Task ResumingAnUploadThatAlreadyFinishedAnswersTheReadyVersion()
    {
        var storage = new StorageSpy(factory);
        var files = factory.WorkspaceClientFor(storage);
        await using var content = new DeterministicStream(5000);
        var first = await files.UploadAsync("resume/finished.bin", content);

        var again = await files.UploadAsync("resume/finished.bin", content, new UploadOptions { ResumeFrom = new UploadState(first.FileId, first.VersionId) });

        Assert.Equal(first.VersionId, again.VersionId);
        Assert.Single(storage.AcceptedBlocks);
    }

    [Fact]
    public async Task TransientStorageErrorsAreRetriedAndProgressNeverCountsABlockTwice()
    {
        const int blockSize = 128 * 1024;
        var storage = new StorageSpy(factory);
        var failed = 0;
        storage.After = (request, response) =>
        {
            // The second block's first attempt: storage took the bytes, then answered 503.
            if (StorageSpy.IsPutBlock(request) && request.RequestUri!.Query.Contains(Uri.EscapeDataString(TestData.BlockId(blockSize))) && Interlocked.Exchange(ref failed, 1) == 0)
                return new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { RequestMessage = request };
            return response;
        };
        var files = factory.WorkspaceClientFor(storage, options => (options.BlockSize, options.MaxConcurrency) = (blockSize, 1));
        var progress = new RecordingProgress<UploadProgress>(p => p.BytesTransferred);
        await using var content = new DeterministicStream(3 * blockSize + 10);

        var file = await files.UploadAsync("retry/flaky.bin", content, new UploadOptions { Progress = progress });

        Assert.Equal(1, failed);
        Assert.Equal(content.Length, file.Size);
        ClientTestKit.AssertMonotonicAndComplete(progress.Reports, content.Length);
    }

    [Fact]
    public async Task AnUploadFromAPathDeclaresItsHashAndDownloadsBackToAFile()
    {
        var directory = Directory.CreateTempSubdirectory("fileapi-client-test-");
        try
        {
            var source = Path.Combine(directory.FullName, "source.bin");
            await using (var content = new DeterministicStream(3 * MiB + 123))
            await using (var write = File.Create(source))
                await content.CopyToAsync(write);
            var storage = new StorageSpy(factory);
            var files = factory.WorkspaceClientFor(storage, options => options.BlockSize = MiB);

            var file = await files.UploadAsync("paths/source.bin", source, new UploadOptions { DeclareSha256 = true });
            var target = Path.Combine(directory.FullName, "target.bin");
            var progress = new RecordingProgress<DownloadProgress>(p => p.BytesTransferred);
            var downloaded = await files.DownloadToAsync("paths/source.bin", target, new DownloadOptions { Progress = progress });

            Assert.Equal(4, storage.AcceptedBlocks.Count);
            Assert.Equal(file.VersionId, downloaded.VersionId);
            Assert.Equal(await File.ReadAllBytesAsync(source), await File.ReadAllBytesAsync(target));
            Assert.False(File.Exists(WorkspaceClient.PartialPath(target, file.VersionId)));
            ClientTestKit.AssertMonotonicAndComplete(progress.Reports, file.Size);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task AnEmptyFileUploadsAsOneEmptyVersion()
    {
        var storage = new StorageSpy(factory);
        var files = factory.WorkspaceClientFor(storage);
        var progress = new RecordingProgress<UploadProgress>(p => p.BytesTransferred);

        var file = await files.UploadAsync("empty.txt", new MemoryStream(), new UploadOptions { Progress = progress });

        Assert.Equal(0, file.Size);
        Assert.Empty(storage.AcceptedBlocks);
        Assert.Equal(1, storage.BlockLists);
        Assert.Equal([0L], progress.Reports);
        await using var downloaded = new HashingStream();
        await files.DownloadToAsync("empty.txt", downloaded);
        Assert.Equal(0, downloaded.Written);
    }

    [Fact]
    public async Task WithoutFastCompletionTheUploadWaitsForTheEventByLongPolling()
    {
        // A server from before fast completion: its POST .../complete is an unknown route.
        var api = new ApiInterceptor(request => request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.EndsWith("/complete")
            ? new HttpResponseMessage(HttpStatusCode.NotFound)
            {
                Content = new StringContent("""{"type":"urn:fileapi:problem:not-found","title":"Nothing is here.","status":404}""", System.Text.Encoding.UTF8, "application/problem+json"),
            }
            : null);
        var storage = new StorageSpy(factory) { DeliverEvents = true };
        var files = factory.WorkspaceClientFor(storage, api: api);

        var file = await files.UploadAsync("fallback/polled.txt", new MemoryStream("polled"u8.ToArray()));

        Assert.Equal(6, file.Size);
        Assert.Contains(api.Requests, request => request.StartsWith("GET") && request.Contains($"version_id={file.VersionId}&wait="));
    }

    [Fact]
    public async Task ACompletionAcceptedForBackgroundVerificationIsAwaitedByLongPolling()
    {
        // A server whose hashing is slow answers 202 and verifies in the background; here the event makes the version ready.
        var api = new ApiInterceptor(request => IsCompletion(request) ? Accepted(request) : null);
        var storage = new StorageSpy(factory) { DeliverEvents = true };
        var files = factory.WorkspaceClientFor(storage, api: api);

        var file = await files.UploadAsync("completion/accepted.txt", new MemoryStream("accepted"u8.ToArray()));

        Assert.Equal(8, file.Size);
        Assert.Single(api.Requests, request => request.StartsWith("POST") && request.EndsWith("/complete"));
        Assert.Contains(api.Requests, request => request.StartsWith("GET") && request.Contains($"version_id={file.VersionId}&wait="));
    }

    [Fact]
    public async Task AVersionStillBeingVerifiedWhenCompletionIsCalledIsWaitedForInsteadOfFailing()
    {
        // Another delivery holds the verification: completion answers version-not-ready, which means "keep waiting".
        var api = new ApiInterceptor(request => IsCompletion(request)
            ? Problem(request, HttpStatusCode.Conflict, FileApiProblemTypes.VersionNotReady, "The version is being verified.")
            : null);
        var storage = new StorageSpy(factory) { DeliverEvents = true };
        var files = factory.WorkspaceClientFor(storage, api: api);

        var file = await files.UploadAsync("completion/not-ready.txt", new MemoryStream("verifying"u8.ToArray()));

        Assert.Equal(9, file.Size);
        Assert.Contains(api.Requests, request => request.StartsWith("GET") && request.Contains($"version_id={file.VersionId}&wait="));
    }

    static bool IsCompletion(HttpRequestMessage request) => request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.EndsWith("/complete");

    /// <summary>What the API answers when it verifies in the background: 202, Retry-After, Location of the version.</summary>
    static HttpResponseMessage Accepted(HttpRequestMessage request)
    {
        var segments = request.RequestUri!.AbsolutePath.Split('/');
        var (fileId, versionId) = (segments[^4], segments[^2]);
        var response = new HttpResponseMessage(HttpStatusCode.Accepted)
        {
            RequestMessage = request,
            Content = new StringContent($$"""{"file_id":"{{fileId}}","version_id":"{{versionId}}","state":"verifying"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(1));
        response.Headers.Location = new Uri(string.Join('/', segments[..^3]) + $"?version_id={versionId}", UriKind.Relative);
        return response;
    }

    static HttpResponseMessage Problem(HttpRequestMessage request, HttpStatusCode status, string type, string title) => new(status)
    {
        RequestMessage = request,
        Content = new StringContent($$"""{"type":"{{type}}","title":"{{title}}","status":{{(int)status}}}""", System.Text.Encoding.UTF8, "application/problem+json"),
    };

    [Fact]
    public async Task AnUploadThatBreaksItsDeclaredHashNeverBecomesReady()
    {
        var storage = new StorageSpy(factory);
        var files = factory.WorkspaceClientFor(storage);
        var link = await files.RegisterVersionAsync("integrity/lie.txt", new RegisterVersionOptions { Size = 4, ContentSha256 = new string('0', 64) });
        using (var put = await TestData.PutBlobAsync(link.Upload, "four"u8.ToArray()))
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        var problem = await Assert.ThrowsAsync<FileApiException>(() => files.WaitForReadyAsync(link.FileId, link.VersionId));

        Assert.Equal((409, FileApiProblemTypes.VersionFailed), (problem.Status, problem.Type));
    }

    static void InterlockedMax(ref int target, int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref target)) && Interlocked.CompareExchange(ref target, value, current) != current) { }
    }
}
