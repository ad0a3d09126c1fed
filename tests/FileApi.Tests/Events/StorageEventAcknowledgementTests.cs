using System.Collections.Concurrent;
using System.Net;
using FileApi.Data;
using FileApi.Events;
using FileApi.Files;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FileApi.Tests.Events;

/// <summary>Holds a background completion at its start until the test opens the gate, and tells when it has finished.</summary>
public sealed class CompletionGates : StorageEventHooks
{
    readonly ConcurrentDictionary<string, Gate> _gates = new(StringComparer.Ordinal);

    /// <summary>The gate of a completion that includes this blob.</summary>
    public Gate Hold(string blobName) => _gates.GetOrAdd(blobName, _ => new Gate());

    public override async Task BeforeCompleteAsync(IReadOnlyList<string> blobNames, CancellationToken ct)
    {
        foreach (var gate in blobNames.Select(name => _gates.GetValueOrDefault(name)).OfType<Gate>().Distinct())
            await gate.PassAsync(ct);
    }

    public override void Completed(IReadOnlyList<string> blobNames, Exception? failure)
    {
        foreach (var gate in blobNames.Select(name => _gates.GetValueOrDefault(name)).OfType<Gate>().Distinct())
            gate.Finish(failure);
    }

    public sealed class Gate
    {
        readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
        readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        readonly TaskCompletionSource<Exception?> _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
        int _starts;

        /// <summary>How many background completions of the blob have started.</summary>
        public int Starts => Volatile.Read(ref _starts);

        public Task Entered => _entered.Task;

        /// <summary>The first completion's end: null when it finished, else what it threw.</summary>
        public Task<Exception?> Finished => _finished.Task;

        public void Open() => _open.TrySetResult();

        internal async Task PassAsync(CancellationToken ct)
        {
            Interlocked.Increment(ref _starts);
            _entered.TrySetResult();
            await _open.Task.WaitAsync(ct);
        }

        internal void Finish(Exception? failure) => _finished.TrySetResult(failure);
    }
}

/// <summary>
/// The API answering a delivery as soon as what it says is recorded (<c>Events:AnswerWithin</c> zero), reaching Azurite through
/// a relay the test can cut, with the reconciler completing reported versions at once (tests run its passes).
/// </summary>
public sealed class AnswerFirstFactory : FileApiFactory
{
    public CompletionGates Gates { get; } = new();

    public TcpRelay Storage { get; } = new(() => new System.Net.DnsEndPoint("127.0.0.1", AzuriteServer.Instance.Port));

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
    [
        new("Events:AnswerWithin", "00:00:00"),
        new("Lifecycle:ReportedEventAfter", "00:00:00"),
        new("Storage:ServiceUri", $"http://127.0.0.1:{Storage.Port}/{AzuriteServer.EmulatorAccountName}"),
    ];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.Replace(ServiceDescriptor.Singleton<StorageEventHooks>(Gates)));
    }

    public async Task<ReconcileReport> RunReconcilerPassAsync()
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<Reconciler>().RunPassAsync(sweepOrphans: false, CancellationToken.None);
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Storage.Dispose();
    }
}

/// <summary>A second instance beside <see cref="AnswerFirstFactory"/>, on its database and container, that a test stops mid-completion.</summary>
public sealed class StoppingInstance(AnswerFirstFactory first) : FileApiFactory(first)
{
    public CompletionGates Gates { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings => [new("Events:AnswerWithin", "00:00:00")];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.Replace(ServiceDescriptor.Singleton<StorageEventHooks>(Gates)));
    }
}

/// <summary>
/// A durable acknowledgement: a delivery is answered once what it says is recorded, its completion going on after, and
/// nothing it said is lost if that completion never finishes in the process that answered.
/// </summary>
public sealed class StorageEventAcknowledgementTests(AnswerFirstFactory factory) : IClassFixture<AnswerFirstFactory>
{
    readonly HttpClient _api = factory.CreateClientFor(FileApiFactory.Owner);

    [Fact]
    public async Task ADeliveryNotCompletedWithinItsBudgetIsAnsweredFirstAndItsVersionsBecomeReadyAfter()
    {
        var uploads = await UploadedAsync("answered-first", 3);
        var gate = factory.Gates.Hold(BlobNameOf(uploads[0]));

        using (var response = await factory.DeliverEventsAsync(BlobCreated(uploads)))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await gate.Entered;
        foreach (var version in await VersionsAsync(uploads))
        {
            Assert.Equal(VersionStatus.Uploading, version.Status);
            Assert.NotNull(version.BlobReportedAt);
        }
        gate.Open();
        Assert.Null(await gate.Finished);
        Assert.All(await VersionsAsync(uploads), version => Assert.Equal(VersionStatus.Ready, version.Status));
    }

    [Fact]
    public async Task ADuplicateDeliveryDuringBackgroundCompletionChangesNothingAndDoesNotCompleteTwice()
    {
        var uploads = await UploadedAsync("duplicate", 2);
        var gate = factory.Gates.Hold(BlobNameOf(uploads[0]));
        using (var first = await factory.DeliverEventsAsync(BlobCreated(uploads)))
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await gate.Entered;
        var recorded = (await VersionsAsync(uploads)).Select(Summary).ToList();

        using (var duplicate = await factory.DeliverEventsAsync(BlobCreated(uploads)))
            Assert.Equal(HttpStatusCode.OK, duplicate.StatusCode);

        Assert.Equal(recorded, (await VersionsAsync(uploads)).Select(Summary));
        gate.Open();
        Assert.Null(await gate.Finished);
        var ready = await VersionsAsync(uploads);
        Assert.All(ready, version => Assert.Equal(VersionStatus.Ready, version.Status));
        Assert.Equal(1, gate.Starts);
        using (var late = await factory.DeliverEventsAsync(BlobCreated(uploads)))
            Assert.Equal(HttpStatusCode.OK, late.StatusCode);
        Assert.Equal(ready.Select(Summary), (await VersionsAsync(uploads)).Select(Summary));
        Assert.Equal(1, gate.Starts);
    }

    [Fact]
    public async Task AProcessThatStopsAfterAnsweringLeavesItsVersionsToTheReconcilerWhichMakesThemReady()
    {
        var uploads = await UploadedAsync("stopped", 3);
        var instance = new StoppingInstance(factory);
        await instance.InitializeAsync();
        var gate = instance.Gates.Hold(BlobNameOf(uploads[0]));
        using (var response = await instance.DeliverEventsAsync(BlobCreated(uploads)))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await gate.Entered;

        // Its completion is held when it stops: the app's token ends it before any version is judged.
        await instance.DisposeAsync();

        Assert.IsAssignableFrom<OperationCanceledException>(await gate.Finished);
        Assert.All(await VersionsAsync(uploads), version => Assert.Equal(VersionStatus.Uploading, version.Status));
        var report = await factory.RunReconcilerPassAsync();
        Assert.Equal(uploads.Length, report.Completed);
        Assert.All(await VersionsAsync(uploads), version => Assert.Equal(VersionStatus.Ready, version.Status));
    }

    [Fact]
    public async Task AStorageFailureDuringBackgroundCompletionIsRetriedByTheReconciler()
    {
        var uploads = await UploadedAsync("storage-failure", 2);
        var gate = factory.Gates.Hold(BlobNameOf(uploads[0]));
        using (var response = await factory.DeliverEventsAsync(BlobCreated(uploads)))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await gate.Entered;

        factory.Storage.Cut();
        try
        {
            gate.Open();
            Assert.NotNull(await gate.Finished);
            Assert.All(await VersionsAsync(uploads), version => Assert.Equal(VersionStatus.Uploading, version.Status));
        }
        finally
        {
            factory.Storage.Restore();
        }

        var report = await factory.RunReconcilerPassAsync();
        Assert.Equal(uploads.Length, report.Completed);
        Assert.All(await VersionsAsync(uploads), version => Assert.Equal(VersionStatus.Ready, version.Status));
    }

    async Task<FileApi.Files.UploadResponse[]> UploadedAsync(string folder, int count)
    {
        var uploads = new FileApi.Files.UploadResponse[count];
        for (var i = 0; i < count; i++)
            uploads[i] = await factory.RegisterAndPutAsync(_api, $"path/ack/{folder}/{i}.bin", TestData.RandomBytes(3 + i));
        return uploads;
    }

    string BlobNameOf(FileApi.Files.UploadResponse upload) => TestData.BlobNameOf(factory, upload);

    object[] BlobCreated(IEnumerable<FileApi.Files.UploadResponse> uploads) =>
        [.. uploads.SelectMany(upload => TestData.BlobCreated(factory.Container, BlobNameOf(upload)))];

    Task<FileVersion[]> VersionsAsync(IEnumerable<FileApi.Files.UploadResponse> uploads) => Task.WhenAll(uploads.Select(factory.VersionAsync));

    static string Summary(FileVersion v) => $"{v.FileId}/{v.VersionId} {v.Status} {v.BlobReportedAt:O} {v.ETag} {v.ReadyAt:O}";
}
