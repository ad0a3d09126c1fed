using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FileApi.Data;
using FileApi.Files;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FileApi.Tests.Files;

/// <summary>Holds a blob's hash at its start until the test opens the gate; blobs without a gate hash at once.</summary>
public sealed class HashGates : VerificationHooks
{
    readonly ConcurrentDictionary<string, Gate> _gates = new(StringComparer.Ordinal);

    public Gate Hold(string blobName) => _gates.GetOrAdd(blobName, _ => new Gate());

    public override Task BeforeHashAsync(string blobName, CancellationToken ct) =>
        _gates.TryGetValue(blobName, out var gate) ? gate.PassAsync(ct) : Task.CompletedTask;

    public sealed class Gate
    {
        readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        int _hashes;

        /// <summary>How many hashes of the blob have started.</summary>
        public int Hashes => Volatile.Read(ref _hashes);

        public Task Entered => _entered.Task;

        public void Open() => _open.TrySetResult();

        // Only the first hash waits: a second one runs straight through, so a double verification shows in Hashes.
        internal async Task PassAsync(CancellationToken ct)
        {
            if (Interlocked.Increment(ref _hashes) != 1)
                return;
            _entered.TrySetResult();
            await _open.Task.WaitAsync(ct);
        }
    }
}

/// <summary>Completes when the server sees a request to a path aborted by its caller.</summary>
public sealed class HangUps
{
    readonly ConcurrentDictionary<string, TaskCompletionSource> _seen = new(StringComparer.Ordinal);

    public Task Of(string path) => _seen.GetOrAdd(path, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    internal void Record(string path) => _seen.GetOrAdd(path, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    internal sealed class Recorder(HangUps hangUps) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, proceed) =>
            {
                var path = context.Request.Path.Value ?? "";
                using var registration = context.RequestAborted.Register(() => hangUps.Record(path));
                await proceed(context);
            });
            next(app);
        };
    }
}

/// <summary>The API on a real Kestrel socket, with a fake clock and gated hashing, so hang-ups and claim timeouts are real and deterministic.</summary>
public sealed class KestrelVerificationFactory : FileApiFactory
{
    public KestrelVerificationFactory() => UseKestrel(options => options.Listen(IPAddress.Loopback, 0));

    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);
    public HashGates Gates { get; } = new();
    public HangUps HangUps { get; } = new();

    public static readonly TimeSpan VerificationTimeout = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan CompletionWait = TimeSpan.FromSeconds(30);

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
    [
        new("Files:VerificationTimeout", VerificationTimeout.ToString()),
        new("Files:CompletionWait", CompletionWait.ToString()),
        new("Files:VerificationConcurrency", "4"),
    ];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            services.AddSingleton<VerificationHooks>(Gates);
            services.AddSingleton<IStartupFilter>(new HangUps.Recorder(HangUps));
        });
    }

    public Uri ServerAddress => new(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>An HttpClient over a real socket to the server, as <paramref name="userName"/>.</summary>
    public HttpClient SocketClientFor(string userName)
    {
        var client = new HttpClient { BaseAddress = ServerAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenFor(userName));
        return client;
    }

    public HttpRequestMessage Delivery(string blobName)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/events/storage")
        {
            Content = new StringContent(JsonSerializer.Serialize(TestData.BlobCreated(Container, blobName)), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-FileApi-Webhook-Secret", WebhookSecret);
        return request;
    }
}

public sealed class VerificationTests(KestrelVerificationFactory factory) : IClassFixture<KestrelVerificationFactory>, IDisposable
{
    // Bounds a wait for something that must happen, so a broken build fails instead of hanging; never a timing assertion.
    static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    readonly HttpClient _api = factory.SocketClientFor(FileApiFactory.Owner);
    // Event Grid presents the webhook secret, not a user's token.
    readonly HttpClient _eventGrid = new() { BaseAddress = factory.ServerAddress };

    public void Dispose()
    {
        _api.Dispose();
        _eventGrid.Dispose();
    }

    [Fact]
    public async Task ACallerThatHangsUpOnCompleteStillLeavesTheVersionReadyOnceTheHashIsDone()
    {
        var (upload, gate) = await UploadWithChecksumAsync("hangup/complete.bin");
        var completePath = $"{factory.FilesBase}/{upload.FileId}/versions/{upload.VersionId}/complete";
        var hungUp = factory.HangUps.Of(completePath);

        // The caller hangs up on a raw socket, which closes for certain (a cancelled HttpClient request may not).
        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(factory.ServerAddress.Host, factory.ServerAddress.Port);
            var request = $"POST {completePath} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {_api.DefaultRequestHeaders.Authorization}\r\nContent-Length: 0\r\n\r\n";
            await socket.GetStream().WriteAsync(Encoding.UTF8.GetBytes(request));
            await gate.Entered.WaitAsync(Bound);
        }
        await hungUp.WaitAsync(Bound);
        Assert.Equal(VersionStatus.Uploading, (await factory.VersionAsync(upload)).Status);

        gate.Open();
        using var poll = await _api.GetAsync($"{factory.FilesBase}/{upload.FileId}?version_id={upload.VersionId}&wait=60");

        Assert.Equal(HttpStatusCode.OK, poll.StatusCode);
        var version = await factory.VersionAsync(upload);
        Assert.Equal(VersionStatus.Ready, version.Status);
        Assert.Equal("sha256", version.Verified);
        Assert.Null(version.VerificationToken);
        Assert.Equal(1, gate.Hashes);
    }

    [Fact]
    public async Task AWebhookThatHangsUpAndARedeliveryInProgressStillLeaveTheVersionReady()
    {
        var (upload, gate) = await UploadWithChecksumAsync("hangup/webhook.bin");
        var blobName = TestData.BlobNameOf(factory, upload);

        // Event Grid gives up on the connection: the request is written, the answer never read.
        using (var socket = new TcpClient())
        {
            await socket.ConnectAsync(factory.ServerAddress.Host, factory.ServerAddress.Port);
            var body = JsonSerializer.Serialize(TestData.BlobCreated(factory.Container, blobName));
            var request = $"POST /events/storage HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + $"{WebhookHeader}: {FileApiFactory.WebhookSecret}\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}";
            await socket.GetStream().WriteAsync(Encoding.UTF8.GetBytes(request));
            await gate.Entered.WaitAsync(Bound);
        }

        using var redelivery = await _eventGrid.SendAsync(factory.Delivery(blobName));
        Assert.Equal(HttpStatusCode.OK, redelivery.StatusCode);
        gate.Open();
        using var poll = await _api.GetAsync($"{factory.FilesBase}/{upload.FileId}?version_id={upload.VersionId}&wait=60");

        Assert.Equal(HttpStatusCode.OK, poll.StatusCode);
        Assert.Equal(VersionStatus.Ready, (await factory.VersionAsync(upload)).Status);
        Assert.Equal(1, gate.Hashes);
    }

    [Fact]
    public async Task ASlowCompletionAnswers202WithWhereToPollAndAStrictBody()
    {
        var (upload, gate) = await UploadWithChecksumAsync("slow/accepted.bin");

        var completing = _api.PostAsync($"{factory.FilesBase}/{upload.FileId}/versions/{upload.VersionId}/complete", null);
        await gate.Entered.WaitAsync(Bound);
        // The short wait runs on the app's clock: move it on until the answer comes.
        while (!completing.IsCompleted)
        {
            factory.Clock.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(completing, Task.Delay(20));
        }
        using var accepted = await completing;

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.NotNull(accepted.Headers.RetryAfter);
        Assert.Equal(new Uri(factory.ServerAddress, $"{factory.FilesBase}/{upload.FileId}?version_id={upload.VersionId}"), accepted.Headers.Location);
        var body = await StrictJson.ReadAsync(accepted);
        Assert.Equal(["file_id", "state", "version_id"], body.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(upload.FileId, body.GetProperty("file_id").GetGuid());
        Assert.Equal(upload.VersionId, body.GetProperty("version_id").GetString());
        Assert.Equal("verifying", body.GetProperty("state").GetString());

        gate.Open();
        using var poll = await _api.GetAsync(accepted.Headers.Location + "&wait=60");
        Assert.Equal(HttpStatusCode.OK, poll.StatusCode);
    }

    [Fact]
    public async Task TwoVerificationsOfOneBlobNeverRunAtOnceEvenPastTheClaimTimeout()
    {
        var (upload, gate) = await UploadWithChecksumAsync("claims/once.bin");
        var blobName = TestData.BlobNameOf(factory, upload);
        using (var delivered = await _eventGrid.SendAsync(factory.Delivery(blobName)))
            Assert.Equal(HttpStatusCode.OK, delivered.StatusCode);
        await gate.Entered.WaitAsync(Bound);
        var claimedAt = (await factory.VersionAsync(upload)).VerificationClaimedAt;

        // More than twice the timeout passes while the hash lasts; the heartbeat renews the claim every third of it.
        for (var beat = 0; beat < 7; beat++)
        {
            factory.Clock.Advance(KestrelVerificationFactory.VerificationTimeout / 3);
            await ClaimRenewedAsync(upload, factory.Clock.GetUtcNow());
        }
        Assert.True(factory.Clock.GetUtcNow() - claimedAt > 2 * KestrelVerificationFactory.VerificationTimeout);

        // Another instance's worker, and another delivery, both find the claim alive and do not hash.
        await using (var scope = factory.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<VersionLifecycle>().VerifyAsync(blobName, CancellationToken.None);
        using (var again = await _eventGrid.SendAsync(factory.Delivery(blobName)))
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(1, gate.Hashes);

        gate.Open();
        using var poll = await _api.GetAsync($"{factory.FilesBase}/{upload.FileId}?version_id={upload.VersionId}&wait=60");
        Assert.Equal(HttpStatusCode.OK, poll.StatusCode);
        Assert.Equal(1, gate.Hashes);
    }

    [Fact]
    public async Task AClaimWhoseHolderStoppedHeartbeatingIsTakenOver()
    {
        var (upload, gate) = await UploadWithChecksumAsync("claims/stale.bin");
        gate.Open();
        var versionId = long.Parse(upload.VersionId);
        var stale = factory.Clock.GetUtcNow() - 2 * KestrelVerificationFactory.VerificationTimeout;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<FileApiDb>().FileVersions
                .Where(v => v.FileId == upload.FileId && v.VersionId == versionId)
                .ExecuteUpdateAsync(set => set
                    .SetProperty(v => v.VerificationOwner, "an-instance-that-stopped")
                    .SetProperty(v => v.VerificationToken, Guid.NewGuid())
                    .SetProperty(v => v.VerificationClaimedAt, stale));
        }

        using var delivered = await _eventGrid.SendAsync(factory.Delivery(TestData.BlobNameOf(factory, upload)));
        Assert.Equal(HttpStatusCode.OK, delivered.StatusCode);
        using var poll = await _api.GetAsync($"{factory.FilesBase}/{upload.FileId}?version_id={upload.VersionId}&wait=60");

        Assert.Equal(HttpStatusCode.OK, poll.StatusCode);
        var version = await factory.VersionAsync(upload);
        Assert.Equal(VersionStatus.Ready, version.Status);
        Assert.Null(version.VerificationOwner);
    }

    const string WebhookHeader = "X-FileApi-Webhook-Secret";

    async Task<(UploadResponse Upload, HashGates.Gate Gate)> UploadWithChecksumAsync(string path)
    {
        var content = TestData.RandomBytes(64 * 1024);
        using var response = await _api.PutAsJsonAsync($"{factory.FilesBase}/path/{path}", new { content_sha256 = Convert.ToHexString(SHA256.HashData(content)) });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upload = (await response.Content.ReadFromJsonAsync<UploadResponse>(FileApiFactory.Json))!;
        var gate = factory.Gates.Hold(TestData.BlobNameOf(factory, upload));
        using var put = await TestData.PutBlobAsync(upload.Upload, content);
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        return (upload, gate);
    }

    async Task ClaimRenewedAsync(UploadResponse upload, DateTimeOffset at)
    {
        using var bound = new CancellationTokenSource(Bound);
        while (true)
        {
            var version = await factory.VersionAsync(upload);
            Assert.Equal(VersionStatus.Uploading, version.Status);
            if (version.VerificationClaimedAt >= at - TimeSpan.FromMilliseconds(1))
                return;
            await Task.Delay(10, bound.Token);
        }
    }
}
