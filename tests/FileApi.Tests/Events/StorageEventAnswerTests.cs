using System.Net;
using FileApi.Data;
using FileApi.Events;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FileApi.Tests.Events;

/// <summary>The API with the tests' long answer budget, completing in the request only a delivery of at most one uploading version.</summary>
public sealed class OneInRequestFactory : FileApiFactory
{
    public CompletionGates Gates { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings => [new("Events:CompleteBeforeAnswerUpTo", "1")];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.Replace(ServiceDescriptor.Singleton<StorageEventHooks>(Gates)));
    }
}

/// <summary>Which deliveries are answered after their versions are complete, and which once what they said is recorded.</summary>
public sealed class StorageEventAnswerTests(OneInRequestFactory factory) : IClassFixture<OneInRequestFactory>
{
    readonly HttpClient _api = factory.CreateClientFor(FileApiFactory.Owner);

    [Fact]
    public async Task ADeliveryOfMoreVersionsThanTheRequestCompletesIsAnsweredOnceRecordedAndItsVersionsBecomeReadyAfter()
    {
        var uploads = await UploadedAsync("large", 2);
        var gate = factory.Gates.Hold(TestData.BlobNameOf(factory, uploads[0]));

        // The gate stays shut until the answer: only a delivery that does not wait for its completion is answered.
        using (var response = await factory.DeliverEventsAsync(BlobCreated(uploads)))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        Assert.All(await VersionsAsync(uploads), version =>
        {
            Assert.Equal(VersionStatus.Uploading, version.Status);
            Assert.NotNull(version.BlobReportedAt);
        });
        gate.Open();
        Assert.Null(await gate.Finished);
        Assert.All(await VersionsAsync(uploads), version => Assert.Equal(VersionStatus.Ready, version.Status));
    }

    [Fact]
    public async Task ADeliveryTheRequestCompletesIsAnsweredWithItsVersionReadyAndNothingRecorded()
    {
        var uploads = await UploadedAsync("small", 1);
        var gate = factory.Gates.Hold(TestData.BlobNameOf(factory, uploads[0]));
        gate.Open();

        using (var response = await factory.DeliverEventsAsync(BlobCreated(uploads)))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var version = await factory.VersionAsync(uploads[0]);
        Assert.Equal(VersionStatus.Ready, version.Status);
        Assert.Null(version.BlobReportedAt);
        Assert.Equal(1, gate.Starts);
    }

    async Task<FileApi.Files.UploadResponse[]> UploadedAsync(string folder, int count)
    {
        var uploads = new FileApi.Files.UploadResponse[count];
        for (var i = 0; i < count; i++)
            uploads[i] = await factory.RegisterAndPutAsync(_api, $"path/answer/{folder}/{i}.bin", TestData.RandomBytes(3 + i));
        return uploads;
    }

    object[] BlobCreated(IEnumerable<FileApi.Files.UploadResponse> uploads) =>
        [.. uploads.SelectMany(upload => TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, upload)))];

    Task<FileVersion[]> VersionsAsync(IEnumerable<FileApi.Files.UploadResponse> uploads) => Task.WhenAll(uploads.Select(factory.VersionAsync));
}
