using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FileApi.Data;
using FileApi.Files;
using FileApi.Http;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace FileApi.Tests.Chaos;

/// <summary>
/// The API on a real socket, on a PostgreSQL cluster and an Azurite of its own that the tests stop and start on
/// the same port and data. Its reconciler runs in the background on a fake clock, so a pass happens when a test moves it.
/// </summary>
public sealed class RestartableFactory : FileApiFactory, IAsyncLifetime
{
    public RestartableFactory() => UseKestrel(options => options.Listen(IPAddress.Loopback, 0));

    public PostgresServer Postgres { get; private set; } = null!;
    public AzuriteServer Storage { get; } = AzuriteServer.StartDedicated();
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);
    public Uri Address { get; private set; } = null!;

    protected override async Task<PostgresServer> DatabaseServerAsync() => Postgres = await PostgresServer.StartDedicatedAsync();

    protected override AzuriteServer Azurite => Storage;

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
    [
        new("Lifecycle:Enabled", "true"),
        new("Lifecycle:MissedEventAfter", "00:00:00"),
        // Short, because each pass moves the fake clock, which must stay within the links' five-minute skew of the real one.
        new("Lifecycle:Interval", "00:00:01"),
        // complete answers 202 at once while a checksum is verified: its wait for the verification runs on the fake clock,
        // which nothing moves after the outage, so a verification the restart interrupted would hold it until the client gave up.
        new("Files:CompletionWait", "00:00:00"),
        // The outage's errors, logged for every request, would cost more than the requests and fill the test output.
        new("Logging:LogLevel:Default", "Critical"),
        new("Logging:LogLevel:Microsoft.AspNetCore", "Critical"),
        new("Logging:LogLevel:Microsoft.EntityFrameworkCore", "Critical"),
    ];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Address = new Uri(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    /// <summary>A client over a real socket, as <paramref name="userName"/>, or anonymous (the webhook, the probes).</summary>
    public HttpClient SocketClient(string? userName = null)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(100) };
        if (userName is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenFor(userName));
        return client;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Postgres.DisposeAsync();
        Storage.Dispose();
    }
}

/// <summary>
/// A bounded load (registrations, uploads through the SAS link, polls, webhook deliveries, completions) while the
/// API's PostgreSQL, then its Azurite, is stopped and started again under it, without restarting the API.
/// </summary>
public sealed class RestartUnderLoadTests(RestartableFactory factory, ITestOutputHelper output) : IClassFixture<RestartableFactory>
{
    [Fact]
    public Task WhilePostgresRestartsUnderLoadNoAcknowledgedVersionIsLostAndEveryAnswerIsSuccessOr503WithRetryAfter() =>
        RunOutageAsync("postgres", factory.Postgres.StopAsync, factory.Postgres.StartAgainAsync, Problems.DatabaseUnavailable);

    [Fact]
    public Task WhileAzuriteRestartsUnderLoadNoAcknowledgedVersionIsLostAndEveryAnswerIsSuccessOr503WithRetryAfter() =>
        RunOutageAsync("azurite", factory.Storage.StopServiceAsync, () => Task.Run(factory.Storage.StartAgain), Problems.StorageUnavailable);

    const int Workers = 4;
    const int VersionsBefore = 8;
    const int VersionsAfter = 8;

    async Task RunOutageAsync(string name, Func<Task> stop, Func<Task> start, string problemType)
    {
        using var probes = factory.SocketClient();
        var load = new Load(factory, name, problemType);
        var workers = Enumerable.Range(0, Workers).Select(load.RunAsync).ToArray();

        await load.UntilAsync(() => load.Acknowledged.Count(v => v.Finish == Finish.NoEvent) >= 1 && load.Acknowledged.Count >= VersionsBefore,
            "versions acknowledged before the outage");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Note(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1} s  {what}: {load.Acknowledged.Count} acknowledged, {load.Answers.Count} answers");
        Note("stopping");
        await stop();
        load.Phase = Phase.Outage;
        Note("stopped");

        // While it is down, besides the load: the probes, an event and a completion for an upload still uploading,
        // a poll of a ready version, and a new registration.
        var pending = load.Acknowledged.First(v => v.Finish == Finish.NoEvent);
        var ready = load.Acknowledged.First(v => v is { Finish: not Finish.NoEvent, Declared: false });
        var readyProbe = probes.GetAsync(HealthChecks.ReadyPath);
        var liveProbe = probes.GetAsync(HealthChecks.LivePath);
        await Task.WhenAll(readyProbe, liveProbe,
            load.SendOnceAsync(Step.Webhook, () => load.DeliverEventAsync(pending)),
            load.SendOnceAsync(Step.Complete, () => load.CompleteAsync(pending)),
            load.SendOnceAsync(Step.Poll, () => load.PollAsync(ready)),
            load.SendOnceAsync(Step.Register, () => load.RegisterAsync($"path/{name}/during-outage.txt", null)));
        using (var readyAnswer = await readyProbe)
            Assert.Equal(HttpStatusCode.ServiceUnavailable, readyAnswer.StatusCode);
        using (var liveAnswer = await liveProbe)
            Assert.Equal(HttpStatusCode.OK, liveAnswer.StatusCode);
        // A reconciler pass that fails on the outage must not stop the reconciler.
        factory.Clock.Advance(ReconcilerInterval);

        Note("outage probed");
        foreach (var answer in load.Answers.Where(a => a.Phase == Phase.Outage))
            output.WriteLine($"        {answer.Step} {answer.Status} in {answer.Took.TotalSeconds:F1} s");
        load.Phase = Phase.Recovering;
        await start();
        Note("started");
        await load.UntilAsync(async () =>
        {
            using var probe = await probes.GetAsync(HealthChecks.ReadyPath);
            return probe.StatusCode == HttpStatusCode.OK;
        }, "the ready probe to report healthy again");
        load.Phase = Phase.After;
        Note("ready again");
        var acknowledgedAtRecovery = load.Acknowledged.Count;
        await load.UntilAsync(() => load.Acknowledged.Count >= acknowledgedAtRecovery + VersionsAfter, "versions acknowledged after the outage");
        load.Stop();
        await Task.WhenAll(workers);
        Note("load stopped");

        // Before, during and after the outage, every answer was a success, a version still uploading, or a 503 that
        // says what is down and when to try again; never a 500 or another 5xx.
        var answers = load.Answers.ToList();
        Assert.All(answers, load.AssertAllowed);
        // Each kind of request that needs what is down was refused with 503, the webhook's included, so Event Grid retries.
        foreach (var step in name == "postgres" ? new[] { Step.Register, Step.Webhook, Step.Complete, Step.Poll } : [Step.Webhook, Step.Complete])
            Assert.True(answers.Any(a => a.Phase == Phase.Outage && a.Step == step && a.Status == 503), $"No {step} was answered 503 during the outage.");
        // A ready version's links are pinned to its snapshot, so reading it asks storage nothing: polls go on through a storage outage.
        if (name != "postgres")
            Assert.All(answers.Where(a => a is { Phase: Phase.Outage, Step: Step.Poll }), a => Assert.Equal(200, a.Status));
        // A delivery sent and answered within the outage; one whose storage calls were still retrying when the service came
        // back may rightly succeed.
        Assert.All(answers.Where(a => a is { Phase: Phase.Outage, AnsweredIn: Phase.Outage, Step: Step.Webhook }), a => Assert.Equal(503, a.Status));
        Assert.Contains(answers, a => a.Phase == Phase.After && a.Step == Step.Register && a.Status == 200);

        // Versions whose event or completion was answered 200 are ready without any repair.
        var finished = load.Acknowledged.Where(v => v is { Finish: Finish.Completion or Finish.Event, Declared: false }).ToList();
        Assert.NotEmpty(finished);
        foreach (var version in finished)
            Assert.Equal(VersionStatus.Ready, (await factory.VersionAsync(version.Upload)).Status);

        // The rest (events never sent, checksums whose verification the outage interrupted) are the reconciler's,
        // which kept running through the outage: each move of the clock runs a pass.
        // Forty passes' worth of the clock at most (it must stay within the links' skew); the last move still starts a pass
        // that sees every version due, so the wait after it is for a slow machine to finish that pass, not a bound on it.
        for (var pass = 0; pass < 40 && !await load.AllReadyAsync(); pass++)
        {
            factory.Clock.Advance(ReconcilerInterval);
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
        await load.UntilAsync(load.AllReadyAsync, "the reconciler to finish every acknowledged version");

        Note("reconciled");
        foreach (var version in load.Acknowledged)
            await load.AssertServedAsIntendedAsync(version);
        Note("verified");
    }

    static readonly TimeSpan ReconcilerInterval = TimeSpan.FromSeconds(1);

    public enum Phase { Before, Outage, Recovering, After }

    public enum Step { Register, Webhook, Complete, Poll }

    public enum Finish { Event, Completion, NoEvent }

    /// <param name="Phase">The phase the request was sent in.</param>
    /// <param name="AnsweredIn">The phase it was answered in: a request sent in the outage may be answered after the restart.</param>
    public sealed record Answer(Phase Phase, Step Step, int Status, bool IsProblemJson, string? ProblemType, bool HasRetryAfter, TimeSpan Took, Phase AnsweredIn);

    /// <summary>A version the API registered and the blob service took: it must become ready with these bytes.</summary>
    public sealed record Acknowledged(UploadResponse Upload, byte[] Content, string ETag, Finish Finish, bool Declared);

    /// <summary>What clients and Event Grid do, over and over, retrying what failed (sooner than Retry-After, to keep the test short).</summary>
    sealed class Load(RestartableFactory factory, string name, string outageProblemType)
    {
        static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);
        static readonly HttpClient Blobs = new() { Timeout = TimeSpan.FromSeconds(30) };

        readonly HttpClient _api = factory.SocketClient(FileApiFactory.Owner);
        readonly HttpClient _eventGrid = factory.SocketClient();
        volatile bool _stopping;
        Exception? _failure;

        public volatile Phase Phase = Phase.Before;
        public ConcurrentQueue<Answer> Answers { get; } = new();
        public ConcurrentQueue<Acknowledged> Acknowledged { get; } = new();

        public void Stop() => _stopping = true;

        public async Task RunAsync(int worker)
        {
            try
            {
                for (var cycle = 0; !_stopping; cycle++)
                    await CycleAsync(worker, cycle);
            }
            catch (Exception exception)
            {
                Interlocked.CompareExchange(ref _failure, exception, null);
                throw;
            }
        }

        /// <summary>A success, a poll of a version still uploading, or a 503 problem that names what is down and says when to try again.</summary>
        public void AssertAllowed(Answer answer) =>
            Assert.True(answer.Status is >= 200 and < 300 || answer is { Step: Step.Poll, Status: 409, ProblemType: Problems.VersionNotReady }
                || answer is { Status: 503, IsProblemJson: true, HasRetryAfter: true } && answer.ProblemType == outageProblemType,
                $"{answer.Step} in phase {answer.Phase} answered {answer.Status} {answer.ProblemType}");

        async Task CycleAsync(int worker, int cycle)
        {
            var content = Encoding.UTF8.GetBytes($"{name} {worker} {cycle} " + new string('x', (worker * 31 + cycle * 17) % 2000));
            var finish = (Finish)((worker + cycle) % 3);
            var declared = cycle % 4 == 3;

            using var registered = await SendAsync(Step.Register, () => RegisterAsync($"path/{name}/{worker}/{cycle}.txt", declared ? content : null));
            Assert.Equal(HttpStatusCode.OK, registered.StatusCode);
            var upload = (await registered.Content.ReadFromJsonAsync<UploadResponse>(FileApiFactory.Json))!;

            var etag = await UploadAsync(upload.Upload, content);
            var version = new Acknowledged(upload, content, etag, finish, declared);
            Acknowledged.Enqueue(version);

            if (finish == Finish.Event)
            {
                using var delivered = await SendAsync(Step.Webhook, () => DeliverEventAsync(version));
                Assert.Equal(HttpStatusCode.OK, delivered.StatusCode);
            }
            else if (finish == Finish.Completion)
            {
                using var completed = await SendAsync(Step.Complete, () => CompleteAsync(version));
                Assert.True(completed.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted, $"complete answered {completed.StatusCode}");
            }
            // A client polls without wait= (the clock that ends a wait does not move here).
            (await SendAsync(Step.Poll, () => PollAsync(version))).Dispose();
        }

        /// <summary>Registers at a path under the files base, declaring the size and SHA-256 of <paramref name="declaredContent"/> if given.</summary>
        public Task<HttpResponseMessage> RegisterAsync(string path, byte[]? declaredContent) => declaredContent is null
            ? _api.PutAsync($"{factory.FilesBase}/{path}", null)
            : _api.PutAsJsonAsync($"{factory.FilesBase}/{path}",
                new { size = declaredContent.Length, content_sha256 = Convert.ToHexStringLower(SHA256.HashData(declaredContent)) });

        /// <summary>The BlobCreated that Event Grid would send for the version.</summary>
        public Task<HttpResponseMessage> DeliverEventAsync(Acknowledged version)
        {
            var blobName = TestData.BlobNameOf(factory, version.Upload);
            var delivery = new HttpRequestMessage(HttpMethod.Post, "/events/storage")
            {
                Content = new StringContent(JsonSerializer.Serialize(TestData.BlobCreated(factory.Container, blobName, version.ETag, version.Content.Length)),
                    Encoding.UTF8, "application/json"),
            };
            delivery.Headers.Add("X-FileApi-Webhook-Secret", FileApiFactory.WebhookSecret);
            return _eventGrid.SendAsync(delivery);
        }

        public Task<HttpResponseMessage> CompleteAsync(Acknowledged version) =>
            _api.PostAsync($"{factory.FilesBase}/{version.Upload.FileId}/versions/{version.Upload.VersionId}/complete", null);

        public Task<HttpResponseMessage> PollAsync(Acknowledged version) =>
            _api.GetAsync($"{factory.FilesBase}/{version.Upload.FileId}?version_id={version.Upload.VersionId}");

        /// <summary>Sends until the answer is not a 503, recording every answer.</summary>
        async Task<HttpResponseMessage> SendAsync(Step step, Func<Task<HttpResponseMessage>> send)
        {
            for (var attempt = 0; ; attempt++)
            {
                var response = await RecordAsync(step, send);
                if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
                    return response;
                response.Dispose();
                Assert.True(attempt < 1000, $"{step} kept answering 503.");
                await Task.Delay(RetryDelay);
            }
        }

        /// <summary>Sends once and records the answer.</summary>
        public async Task SendOnceAsync(Step step, Func<Task<HttpResponseMessage>> send) => (await RecordAsync(step, send)).Dispose();

        async Task<HttpResponseMessage> RecordAsync(Step step, Func<Task<HttpResponseMessage>> send)
        {
            var phase = Phase;
            var started = System.Diagnostics.Stopwatch.StartNew();
            var response = await send();
            var problemJson = response.Content.Headers.ContentType?.MediaType == "application/problem+json";
            var type = problemJson ? (await StrictJson.ReadAsync(response)).GetProperty("type").GetString() : null;
            var answer = new Answer(phase, step, (int)response.StatusCode, problemJson, type, response.Headers.RetryAfter is not null, started.Elapsed, Phase);
            Answers.Enqueue(answer);
            AssertAllowed(answer);
            return response;
        }

        /// <summary>Put Blob through the SAS link until the blob service takes it (it may be down); its etag.</summary>
        static async Task<string> UploadAsync(Uri sas, byte[] content)
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Put, sas) { Content = new ByteArrayContent(content) };
                    request.Headers.Add("x-ms-blob-type", "BlockBlob");
                    using var put = await Blobs.SendAsync(request);
                    if (put.StatusCode == HttpStatusCode.Created)
                        return put.Headers.ETag!.Tag;
                    Assert.True((int)put.StatusCode >= 500, $"Put Blob answered {put.StatusCode}.");
                }
                catch (HttpRequestException)
                {
                    // the blob service is down
                }
                Assert.True(attempt < 1000, "Put Blob kept failing.");
                await Task.Delay(RetryDelay);
            }
        }

        public async Task<bool> AllReadyAsync()
        {
            var ids = Acknowledged.Select(v => v.Upload.FileId).ToList();
            await using var scope = factory.Services.CreateAsyncScope();
            return !await scope.ServiceProvider.GetRequiredService<FileApiDb>().FileVersions
                .AnyAsync(v => ids.Contains(v.FileId) && v.Status != VersionStatus.Ready);
        }

        /// <summary>Ready, with the size and etag of what the client uploaded, and its download link serves those bytes.</summary>
        public async Task AssertServedAsIntendedAsync(Acknowledged version)
        {
            using var response = await _api.GetAsync($"{factory.FilesBase}/{version.Upload.FileId}?version_id={version.Upload.VersionId}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var file = (await response.Content.ReadFromJsonAsync<FileResponse>(FileApiFactory.Json))!;
            Assert.Equal(version.Content.Length, file.Size);
            Assert.Equal(version.ETag.Trim('"'), file.Etag.Trim('"'));
            Assert.Equal(version.Content, await Blobs.GetByteArrayAsync(file.Download));
        }

        /// <summary>Waits for what the load, a server or the reconciler does; the bound only keeps a broken run from hanging.</summary>
        public async Task UntilAsync(Func<Task<bool>> condition, string what, int attempts = 1200)
        {
            for (var attempt = 0; !await condition(); attempt++)
            {
                if (_failure is not null)
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_failure); // the load broke: its reason, not a timeout
                Assert.True(attempt < attempts, $"Gave up waiting for {what}.");
                await Task.Delay(TimeSpan.FromMilliseconds(50));
            }
        }

        public Task UntilAsync(Func<bool> condition, string what) => UntilAsync(() => Task.FromResult(condition()), what);
    }
}
