using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Web;
using System.Xml.Linq;
using FileApi.Client;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.Client;

/// <summary>Helpers for client tests: deterministic content, an instrumented buffer pool, and a storage handler that watches and interferes.</summary>
static class ClientTestKit
{
    /// <summary>
    /// A client for <paramref name="user"/> with a real token, going to storage through <paramref name="storage"/>
    /// and, when given, to the API through <paramref name="api"/>.
    /// </summary>
    public static WorkspaceClient WorkspaceClientFor(this FileApiFactory factory, StorageSpy storage, Action<FileApiClientOptions>? configure = null,
        string user = FileApiFactory.Owner, DelegatingHandler? api = null)
    {
        var options = FastRetries(new FileApiClientOptions { Token = factory.TokenFor(user) });
        configure?.Invoke(options);
        var apiHttp = api is null ? factory.CreateClient() : new HttpClient(api.WithInner(factory.Server.CreateHandler())) { BaseAddress = factory.Server.BaseAddress };
        var client = new FileApiClient(apiHttp, new HttpClient(storage), options);
        return client.GetWorkspaceClient(factory.OrganizationId, factory.WorkspaceId);
    }

    static DelegatingHandler WithInner(this DelegatingHandler handler, HttpMessageHandler inner)
    {
        handler.InnerHandler = inner;
        return handler;
    }

    public static FileApiClientOptions FastRetries(FileApiClientOptions options)
    {
        options.Retry.Delay = TimeSpan.FromMilliseconds(20);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(200);
        return options;
    }

    /// <summary>The blocks storage holds for an unfinished upload, by id with their sizes (through a renewed link, as a client would).</summary>
    public static async Task<Dictionary<string, long>> HeldBlocksAsync(FileApiFactory factory, UploadState state)
    {
        var renewed = await factory.CreateClientFor(FileApiFactory.Owner).RegisterAsync($"{factory.FilesBase}/{state.FileId}?version_id={state.VersionId}");
        using var response = await TestData.GetAsync(new Uri(renewed.Upload.AbsoluteUri + "&comp=blocklist&blocklisttype=all"));
        response.EnsureSuccessStatusCode();
        return XDocument.Parse(await response.Content.ReadAsStringAsync()).Descendants("Block")
            .ToDictionary(block => (string)block.Element("Name")!, block => (long)block.Element("Size")!);
    }

    /// <summary>Downloads the version through the client and compares its bytes with <paramref name="expected"/>, by hash.</summary>
    public static async Task AssertDownloadsAsync(this WorkspaceClient files, FileDetails file, Stream expected)
    {
        await using var downloaded = new HashingStream();
        await files.DownloadToAsync(file.FileId, downloaded, new DownloadOptions { VersionId = file.VersionId });
        Assert.Equal(expected.Length, downloaded.Written);
        Assert.Equal(Sha256(expected), downloaded.Sha256);
    }

    public static string Sha256(Stream stream)
    {
        stream.Position = 0;
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static void AssertMonotonicAndComplete(IReadOnlyList<long> reports, long size)
    {
        Assert.NotEmpty(reports);
        for (var i = 1; i < reports.Count; i++)
            Assert.True(reports[i] >= reports[i - 1], $"Progress went back from {reports[i - 1]} to {reports[i]} at report {i}.");
        Assert.Equal(size, reports[^1]);
        Assert.All(reports, bytes => Assert.InRange(bytes, 0, size));
    }
}

/// <summary>Records every report synchronously, in the order the client made them.</summary>
/// <summary>Lets a test answer API requests itself (an older server), or pass them on.</summary>
sealed class ApiInterceptor(Func<HttpRequestMessage, HttpResponseMessage?> answer) : DelegatingHandler
{
    readonly ConcurrentQueue<string> _requests = new();

    public IReadOnlyList<string> Requests => _requests.ToList();

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _requests.Enqueue($"{request.Method} {request.RequestUri!.PathAndQuery}");
        return answer(request) is { } response ? Task.FromResult(response) : base.SendAsync(request, cancellationToken);
    }
}

sealed class RecordingProgress<T>(Func<T, long> bytes) : IProgress<T>
{
    readonly List<long> _reports = [];

    public Action<long>? OnReport { get; set; }

    public IReadOnlyList<long> Reports
    {
        get
        {
            lock (_reports)
                return _reports.ToList();
        }
    }

    public void Report(T value)
    {
        lock (_reports)
            _reports.Add(bytes(value));
        OnReport?.Invoke(bytes(value));
    }
}

/// <summary>
/// Content made on demand from its offset, so a test can upload hundreds of megabytes without holding them.
/// Every byte is a function of its position: the same length always gives the same bytes.
/// </summary>
sealed class DeterministicStream(long length, ulong seed = 0x9E3779B97F4A7C15) : Stream
{
    long _position;

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = Math.Clamp(value, 0, length);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var count = (int)Math.Min(buffer.Length, length - _position);
        Span<byte> word = stackalloc byte[8];
        for (var i = 0; i < count; i++)
        {
            var at = _position + i;
            BinaryPrimitives.WriteUInt64LittleEndian(word, Mix((ulong)(at / 8) ^ seed));
            buffer[i] = word[(int)(at % 8)];
        }
        _position += count;
        return count;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        _ => length + offset,
    };

    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EB;
        return x ^ (x >> 31);
    }
}

/// <summary>Hashes what is written to it and keeps nothing.</summary>
sealed class HashingStream : Stream
{
    readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long Written { get; private set; }
    public string Sha256 => Convert.ToHexStringLower(_hash.GetCurrentHash());

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => Written;
    public override long Position { get => Written; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.AppendData(buffer);
        Written += buffer.Length;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        _hash.Dispose();
        base.Dispose(disposing);
    }
}

/// <summary>The shared pool, instrumented: how many bytes the client holds at once, at most.</summary>
sealed class CountingArrayPool : ArrayPool<byte>
{
    long _outstanding;
    long _peak;

    public long PeakBytes => Interlocked.Read(ref _peak);
    public long OutstandingBytes => Interlocked.Read(ref _outstanding);

    public override byte[] Rent(int minimumLength)
    {
        var array = Shared.Rent(minimumLength);
        var now = Interlocked.Add(ref _outstanding, array.Length);
        long peak;
        while (now > (peak = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, peak) != peak) { }
        return array;
    }

    public override void Return(byte[] array, bool clearArray = false)
    {
        Interlocked.Add(ref _outstanding, -array.Length);
        Shared.Return(array, clearArray);
    }
}

/// <summary>
/// Sits between the client and Azurite: counts what the client sends, lets a test interfere (fail, delay,
/// cancel), and on request plays Event Grid: after a successful Put Block List it delivers BlobCreated to the API,
/// as Azure would. (Azurite raises no events.)
/// </summary>
sealed class StorageSpy(FileApiFactory factory) : DelegatingHandler(new HttpClientHandler())
{
    readonly ConcurrentQueue<string> _blocks = new();
    int _forbidden;
    int _blockLists;

    /// <summary>Block ids of Put Block requests that storage accepted, in order of completion.</summary>
    public IReadOnlyList<string> AcceptedBlocks => _blocks.ToList();
    public int ForbiddenAnswers => _forbidden;
    public int BlockLists => _blockLists;
    /// <summary>The range of each download request (the SDK sends it as x-ms-range), null for the whole blob.</summary>
    public List<string?> Ranges { get; } = [];

    /// <summary>Runs before a request goes to storage; may answer instead (return a response) or wait.</summary>
    public Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage?>>? Before { get; set; }

    /// <summary>Runs after storage answered; may replace the answer.</summary>
    public Func<HttpRequestMessage, HttpResponseMessage, HttpResponseMessage>? After { get; set; }

    /// <summary>Runs when a request that went to storage is over, answered or not (timed out, cancelled).</summary>
    public Action<HttpRequestMessage>? Over { get; set; }

    /// <summary>Deliver BlobCreated after each commit, as Event Grid would (clients that call completion do not need it).</summary>
    public bool DeliverEvents { get; set; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Before is { } before && await before(request, cancellationToken) is { } substitute)
            return substitute;

        var comp = Comp(request);
        if (request.Method == HttpMethod.Get && comp is null)
            lock (Ranges)
                Ranges.Add(request.Headers.TryGetValues("x-ms-range", out var range) ? range.Single() : request.Headers.Range?.ToString());

        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken);
        }
        finally
        {
            Over?.Invoke(request);
        }
        if (response.StatusCode == HttpStatusCode.Forbidden)
            Interlocked.Increment(ref _forbidden);
        if (comp == "block" && response.IsSuccessStatusCode)
            _blocks.Enqueue(HttpUtility.ParseQueryString(request.RequestUri!.Query)["blockid"]!);
        if (comp == "blocklist" && request.Method == HttpMethod.Put && response.IsSuccessStatusCode)
        {
            Interlocked.Increment(ref _blockLists);
            if (DeliverEvents)
            {
                var blobName = string.Join('/', request.RequestUri!.AbsolutePath.Split('/').Skip(3).Select(Uri.UnescapeDataString));
                using var delivered = await factory.DeliverEventsAsync(TestData.BlobCreated(factory.Container, blobName));
            }
        }
        return After is { } after ? after(request, response) : response;
    }

    public static string? Comp(HttpRequestMessage request) => HttpUtility.ParseQueryString(request.RequestUri!.Query)["comp"];

    public static bool IsPutBlock(HttpRequestMessage request) => request.Method == HttpMethod.Put && Comp(request) == "block";
}
