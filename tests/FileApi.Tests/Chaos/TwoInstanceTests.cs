using System.Collections.Concurrent;
using System.Net;
using FileApi.Data;
using FileApi.Data.Providers;
using FileApi.Files;
using FileApi.Storage;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace FileApi.Tests.Chaos;

/// <summary>A fake clock that also says which delays were asked of it, so a test knows when a long-poll has parked.</summary>
public sealed class ObservedClock() : FakeTimeProvider(DateTimeOffset.UtcNow)
{
    readonly ConcurrentQueue<TimeSpan> _timers = new();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        _timers.Enqueue(dueTime);
        return base.CreateTimer(callback, state, dueTime, period);
    }

    /// <summary>How many delays of <paramref name="dueTime"/> were asked for so far, so a test can wait for one more.</summary>
    public int TimersFor(TimeSpan dueTime) => _timers.Count(timer => timer == dueTime);
}

/// <summary>
/// One instance of the API; several share one database and one container, as App Service instances do. Each has its
/// own fake clock and keeps its log, and complete answers 202 at once while a checksum is verified (no waiting on a
/// clock that does not move). A relay, when given, stands between it and PostgreSQL, so the test can end all of its
/// connections at once, as the death of its process would.
/// </summary>
public sealed class ApiInstance : FileApiFactory
{
    readonly TcpRelay? _databaseRelay;

    public ApiInstance()
    {
    }

    public ApiInstance(ApiInstance first, TcpRelay? databaseRelay = null) : base(first) => _databaseRelay = databaseRelay;

    public ObservedClock Clock { get; } = new();
    public CapturingLoggerProvider Logs { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
    [
        new("Lifecycle:MissedEventAfter", "00:00:00"),
        new("Files:CompletionWait", "00:00:00"),
        // No re-read of the waited versions within a test: only an announcement (or the catch-up after listening again) wakes a poll.
        new("Files:WaitedVersionRereadInterval", "1.00:00:00"),
        .. _databaseRelay is null
            ? Array.Empty<KeyValuePair<string, string>>()
            : [new("ConnectionStrings:FileApi", new NpgsqlConnectionStringBuilder(ConnectionString) { Port = _databaseRelay.Port }.ConnectionString)],
    ];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            services.AddSingleton<ILoggerProvider>(Logs);
        });
    }

    public Task<ReconcileReport> RunReconcilerPassAsync()
    {
        var scope = Services.CreateAsyncScope();
        return RunAsync();

        async Task<ReconcileReport> RunAsync()
        {
            await using (scope)
                return await scope.ServiceProvider.GetRequiredService<Reconciler>().RunPassAsync(sweepOrphans: false, CancellationToken.None);
        }
    }

    /// <summary>How many times this instance made the version ready (each transition logs once).</summary>
    public int TimesMadeReady(UploadResponse upload) =>
        Logs.Entries.Snapshot().Count(entry => entry.Contains($"Version {upload.VersionId} of file {upload.FileId} is ready", StringComparison.Ordinal));
}

/// <summary>Instances A and B on one database and one container.</summary>
public sealed class TwoInstances : IAsyncLifetime
{
    public ApiInstance A { get; } = new();
    public ApiInstance B { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await A.InitializeAsync();
        _ = A.Services; // A migrates and seeds before B starts
        B = new ApiInstance(A);
        await B.InitializeAsync();
        _ = B.Services;
    }

    public async Task DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
    }
}

public sealed class TwoInstanceTests(TwoInstances instances) : IClassFixture<TwoInstances>
{
    const int WaitSeconds = 57; // a wait no other timer of the app asks for
    ApiInstance A => instances.A;
    ApiInstance B => instances.B;

    [Theory]
    [InlineData("completion")]
    [InlineData("event")]
    public async Task AWaitingPollOnOneInstanceIsAnsweredReadyWhenTheOtherInstanceFinishesTheVersion(string finishedBy)
    {
        using var onA = A.CreateClientFor(FileApiFactory.Owner);
        using var onB = B.CreateClientFor(FileApiFactory.Owner);
        byte[] content = [1, 2, 3, 4, 5];
        var upload = await A.RegisterAndPutAsync(onA, $"path/wake/{finishedBy}.txt", content);

        var parked = A.Clock.TimersFor(TimeSpan.FromSeconds(WaitSeconds));
        var poll = onA.GetAsync($"{A.FilesBase}/{upload.FileId}?version_id={upload.VersionId}&wait={WaitSeconds}");
        // Parked: the poll has read the version as uploading and waits on A's clock, which only the test moves.
        await Until(() => A.Clock.TimersFor(TimeSpan.FromSeconds(WaitSeconds)) > parked || poll.IsCompleted, "the poll on A to wait");
        Assert.False(poll.IsCompleted, "The poll answered before anything finished the version.");
        var parkedAt = A.Clock.GetUtcNow();

        if (finishedBy == "completion")
        {
            using var completed = await onB.PostAsync($"{B.FilesBase}/{upload.FileId}/versions/{upload.VersionId}/complete", null);
            Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
        }
        else
        {
            using var delivered = await B.DeliverEventsAsync(TestData.BlobCreated(B.Container, TestData.BlobNameOf(B, upload)));
            Assert.Equal(HttpStatusCode.OK, delivered.StatusCode);
        }

        // A's clock moves in steps that add up to half the wait and then stands still, so the poll's own deadline never
        // comes and only a wake-up can answer it; A re-reads the waited versions once a day here, so it must be B's
        // announcement that wakes it. The real-time wait after the steps is for a slow machine, not a bound on the wake-up.
        for (var step = 0; step < WaitSeconds / 2 && !poll.IsCompleted; step++)
        {
            A.Clock.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(poll, Task.Delay(TimeSpan.FromMilliseconds(100)));
        }
        await Until(() => poll.IsCompleted, $"B's {finishedBy} to wake the poll on A (its clock at half of the wait)");
        Assert.True(A.Clock.GetUtcNow() - parkedAt < TimeSpan.FromSeconds(WaitSeconds), "The poll's own deadline passed, so nothing proved it was woken.");
        using var answer = await poll;
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        var file = await StrictJson.ReadAsync(answer);
        Assert.Equal(upload.VersionId, file.GetProperty("version_id").GetString());
        Assert.Equal(content.Length, file.GetProperty("size").GetInt64());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AWaitingPollIsStillWokenByTheOtherInstanceAfterItsInstancesListeningSessionIsEnded(bool finishedWhileNotListening)
    {
        var listener = (PostgreSqlVersionWakeups)A.Services.GetRequiredService<IVersionWakeups>();
        await Until(() => listener.ListeningProcessId is not null, "A to listen");
        using var onA = A.CreateClientFor(FileApiFactory.Owner);
        using var onB = B.CreateClientFor(FileApiFactory.Owner);
        var upload = await A.RegisterAndPutAsync(onA, $"path/wake/relisten-{finishedWhileNotListening}.txt", [6, 7]);
        var parked = A.Clock.TimersFor(TimeSpan.FromSeconds(WaitSeconds));
        var poll = onA.GetAsync($"{A.FilesBase}/{upload.FileId}?version_id={upload.VersionId}&wait={WaitSeconds}");
        await Until(() => A.Clock.TimersFor(TimeSpan.FromSeconds(WaitSeconds)) > parked || poll.IsCompleted, "the poll on A to wait");
        Assert.False(poll.IsCompleted, "The poll answered before anything finished the version.");
        var parkedAt = A.Clock.GetUtcNow();

        // PostgreSQL ends A's listening session, as a failover or an administrator does; A waits its first retry (A's clock).
        var ended = listener.ListeningProcessId!.Value;
        await TerminateBackendAsync(ended);
        await Until(() => listener.ListeningProcessId is null, "A to see its listening session end");
        if (finishedWhileNotListening)
            await CompleteOnBAsync(onB, upload); // announced to no session of A's: only A's catch-up read can see it

        for (var step = 0; step < WaitSeconds / 2 && listener.ListeningProcessId is null && !poll.IsCompleted; step++)
        {
            A.Clock.Advance(TimeSpan.FromSeconds(1));
            await Task.WhenAny(poll, Task.Delay(TimeSpan.FromMilliseconds(100)));
        }
        if (!finishedWhileNotListening)
        {
            Assert.False(poll.IsCompleted, "The poll answered before anything finished the version.");
            await Until(() => listener.ListeningProcessId is not null, "A to listen again");
            Assert.NotEqual(ended, listener.ListeningProcessId);
            await CompleteOnBAsync(onB, upload); // heard on A's new session
        }

        await Until(() => poll.IsCompleted, "the poll on A to be answered");
        using var answer = await poll;
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal(upload.VersionId, (await StrictJson.ReadAsync(answer)).GetProperty("version_id").GetString());
        Assert.True(A.Clock.GetUtcNow() - parkedAt < TimeSpan.FromSeconds(WaitSeconds), "The poll's own deadline passed, so nothing proved it was woken.");
    }

    [Fact]
    public async Task ABurstOfFinishedVersionsIsAnnouncedManyToANotificationEachUnderPostgreSqlsPayloadLimit()
    {
        await using var listener = new NpgsqlConnection(A.ConnectionString);
        await listener.OpenAsync();
        var heard = new ConcurrentQueue<string>();
        listener.Notification += (_, notification) => heard.Enqueue(notification.Payload);
        await using (var listen = new NpgsqlCommand($"LISTEN {PostgreSqlVersionWakeups.Channel}", listener))
            await listen.ExecuteNonQueryAsync();
        var burst = Enumerable.Range(0, 1000).Select(i => (FileId: Guid.NewGuid(), VersionId: 638_000_000_000_000_000L + i)).ToList();

        var waiters = B.Services.GetRequiredService<VersionWaiters>();
        foreach (var (fileId, versionId) in burst)
            waiters.Finished(fileId, versionId);

        var expected = burst.Select(v => $"{v.FileId}:{v.VersionId}").ToHashSet();
        var received = new HashSet<string>();
        var notifications = 0;
        await Until(async () =>
        {
            await listener.WaitAsync(TimeSpan.FromMilliseconds(100));
            while (heard.TryDequeue(out var payload))
            {
                var ours = payload.Split(' ').Where(expected.Contains).ToList();
                if (ours.Count == 0)
                    continue; // another test's announcement
                notifications++;
                Assert.True(System.Text.Encoding.UTF8.GetByteCount(payload) < 8000, $"A payload of {payload.Length} bytes.");
                received.UnionWith(ours);
            }
            return received.Count == expected.Count;
        }, "every version of the burst to be heard");
        // A full payload holds about 140; the first send may leave before the whole burst has queued.
        Assert.True(notifications <= 1000 / 10, $"{notifications} notifications for 1,000 versions: fewer than ten a notification.");
    }

    async Task CompleteOnBAsync(HttpClient onB, UploadResponse upload)
    {
        using var completed = await onB.PostAsync($"{B.FilesBase}/{upload.FileId}/versions/{upload.VersionId}/complete", null);
        Assert.Equal(HttpStatusCode.OK, completed.StatusCode);
    }

    async Task TerminateBackendAsync(int processId)
    {
        await using var connection = new NpgsqlConnection(A.ConnectionString);
        await connection.OpenAsync();
        // With a timeout, PostgreSQL answers once the session is gone, so nothing announced afterwards reaches it.
        await using var terminate = new NpgsqlCommand("SELECT pg_terminate_backend(@pid, 10000)", connection);
        terminate.Parameters.AddWithValue("pid", processId);
        Assert.True((bool)(await terminate.ExecuteScalarAsync())!, "PostgreSQL did not end A's listening session.");
    }

    [Fact]
    public async Task WhenTheInstanceHoldingTheReconcilerLockDiesMidPassAnotherTakesTheLockAndRepairsWhatItLeft()
    {
        var database = new NpgsqlConnectionStringBuilder(A.ConnectionString);
        using var relay = new TcpRelay(() => new DnsEndPoint(database.Host!, database.Port));
        var doomed = new ApiInstance(A, relay);
        await doomed.InitializeAsync();
        using var onA = A.CreateClientFor(FileApiFactory.Owner);

        // Six uploads whose events never came, registered in a known order (the order a pass takes them in).
        var uploads = new List<UploadResponse>();
        for (var i = 0; i < 6; i++)
        {
            A.Clock.Advance(TimeSpan.FromMilliseconds(1));
            uploads.Add(await A.RegisterAndPutAsync(onA, $"path/handover/{i}.bin", new byte[i + 1]));
        }

        // The doomed instance's pass stops at the third: the test holds that row, so its UPDATE waits.
        await using var holder = new NpgsqlConnection(A.ConnectionString);
        await holder.OpenAsync();
        await using var hold = await holder.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM file_versions WHERE file_id = @file FOR UPDATE", holder, hold))
        {
            lockRow.Parameters.AddWithValue("file", uploads[2].FileId);
            await lockRow.ExecuteNonQueryAsync();
        }
        // Each instance's clock has moved on its own (earlier tests moved A's): the passes must see these uploads as past due.
        CatchUp(doomed.Clock, A.Clock);
        CatchUp(B.Clock, A.Clock);
        var doomedPass = doomed.RunReconcilerPassAsync();
        await Until(async () => await StatusAsync(uploads[1]) == VersionStatus.Ready && await WaitsOnALockAsync(holder), "the doomed pass to wait on the held row");

        var whileHeld = await B.RunReconcilerPassAsync();
        Assert.False(whileHeld.Ran, "B ran a pass while another instance held the reconciler lock.");

        // The doomed instance dies: every connection it had closes, as when its process ends, and its host stops.
        relay.Cut();
        await doomed.DisposeAsync();
        await hold.RollbackAsync();
        await Task.WhenAny(doomedPass); // it fails, having lost its database
        await Until(async () => !await ReconcilerLockHeldAsync(holder), "PostgreSQL to end the dead instance's session");

        var takenOver = await B.RunReconcilerPassAsync();

        Assert.True(takenOver.Ran, "B could not take the reconciler lock after the instance holding it died.");
        Assert.True(takenOver.Completed >= 3, $"B completed {takenOver.Completed} of the uploads the dead instance left.");
        foreach (var (upload, i) in uploads.Select((u, i) => (u, i)))
        {
            var version = await A.VersionAsync(upload);
            Assert.Equal(VersionStatus.Ready, version.Status);
            Assert.Equal(i + 1, version.Size);
        }
    }

    [Fact]
    public async Task CompletionOnOneInstanceRacingTheWebhookOnTheOtherMakesEachVersionReadyExactlyOnce()
    {
        const int Iterations = 200;
        using var onA = A.CreateClientFor(FileApiFactory.Owner);
        using var onB = B.CreateClientFor(FileApiFactory.Owner);
        var raced = new ConcurrentBag<(UploadResponse Upload, byte[] Content, string ETag)>();

        await Parallel.ForEachAsync(Enumerable.Range(0, Iterations), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (i, ct) =>
        {
            var content = TestData.RandomBytes(1 + i % 97);
            // A quarter declare a checksum, so each instance's verification worker competes for the claim too.
            object? declaration = i % 4 == 3
                ? new { size = content.Length, content_sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content)) }
                : null;
            var upload = await A.RegisterAndPutAsync(onA, $"path/race/{i}.bin", content, declaration);
            var (completer, completerApi, notified) = i % 2 == 0 ? (A, onA, B) : (B, onB, A);

            var complete = completerApi.PostAsync($"{completer.FilesBase}/{upload.FileId}/versions/{upload.VersionId}/complete", null, ct);
            var deliver = notified.DeliverEventsAsync(TestData.BlobCreated(notified.Container, TestData.BlobNameOf(notified, upload)));
            using var completed = await complete;
            using var delivered = await deliver;

            Assert.True(completed.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted, $"complete answered {completed.StatusCode}");
            Assert.Equal(HttpStatusCode.OK, delivered.StatusCode);
            var properties = await A.Services.GetRequiredService<BlobStorage>().GetPropertiesAsync(TestData.BlobNameOf(A, upload), ct);
            raced.Add((upload, content, properties!.ETag));
        });

        // Checksums are verified in the background: wait until none is still uploading.
        await Until(async () => (await UploadingAsync(raced.Select(r => r.Upload))) == 0, "every raced version to leave uploading");
        Assert.Equal(Iterations, raced.Count);
        foreach (var (upload, content, etag) in raced)
        {
            var version = await A.VersionAsync(upload);
            Assert.Equal(VersionStatus.Ready, version.Status);
            Assert.Equal(content.Length, version.Size);
            Assert.Equal(etag, version.ETag);
            Assert.Equal(1, A.TimesMadeReady(upload) + B.TimesMadeReady(upload));
        }
    }

    static void CatchUp(FakeTimeProvider behind, FakeTimeProvider ahead)
    {
        var lag = ahead.GetUtcNow() - behind.GetUtcNow();
        if (lag > TimeSpan.Zero)
            behind.Advance(lag);
    }

    async Task<VersionStatus> StatusAsync(UploadResponse upload) => (await A.VersionAsync(upload)).Status;

    async Task<int> UploadingAsync(IEnumerable<UploadResponse> uploads)
    {
        var fileIds = uploads.Select(u => u.FileId).ToList();
        await using var scope = A.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<FileApiDb>().FileVersions
            .CountAsync(v => fileIds.Contains(v.FileId) && v.Status == VersionStatus.Uploading);
    }

    /// <summary>Some other session of this database waits for a row lock (the one the test holds).</summary>
    static async Task<bool> WaitsOnALockAsync(NpgsqlConnection holder)
    {
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'", holder);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    static async Task<bool> ReconcilerLockHeldAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND ((classid::bigint << 32) | objid::bigint) = @key", connection);
        command.Parameters.AddWithValue("key", FileApi.Data.Providers.PostgreSqlReconcilerLock.LockKey);
        return (long)(await command.ExecuteScalarAsync())! > 0;
    }

    static Task Until(Func<bool> condition, string what) => Until(() => Task.FromResult(condition()), what);

    /// <summary>Waits for something another thread or process does; the bound only keeps a broken run from hanging.</summary>
    static async Task Until(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Gave up waiting for {what}.");
            await Task.Delay(20);
        }
    }
}
