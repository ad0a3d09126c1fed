using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FileApi.Data;
using FileApi.Files;
using FileApi.Storage;
using FileApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FileApi.Tests.Events;

public class StorageEventTests(FileApiFactory factory) : IClassFixture<FileApiFactory>
{
    readonly HttpClient _api = factory.CreateClientFor(FileApiFactory.Owner);

    [Fact]
    public async Task TheEventGridHandshakeEchoesTheValidationCode()
    {
        var handshake = new[]
        {
            new
            {
                id = Guid.NewGuid().ToString(),
                topic = "/subscriptions/x/resourceGroups/y/providers/Microsoft.Storage/storageAccounts/z",
                subject = "",
                eventType = "Microsoft.EventGrid.SubscriptionValidationEvent",
                eventTime = DateTimeOffset.UtcNow,
                data = new { validationCode = "512d38b6-c7b8-40c8-89fe-f46f9e9622b6", validationUrl = "https://example.invalid/validate" },
                dataVersion = "2",
                metadataVersion = "1",
            },
        };

        using var response = await factory.DeliverEventsAsync(handshake);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("512d38b6-c7b8-40c8-89fe-f46f9e9622b6", answer.GetProperty("validationResponse").GetString());
    }

    [Fact]
    public async Task TheCloudEventsHandshakeAllowsTheRequestingOrigin()
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, "/events/storage");
        request.Headers.Add("WebHook-Request-Origin", "eventgrid.azure.net");
        request.Headers.Add("X-FileApi-Webhook-Secret", FileApiFactory.WebhookSecret);

        using var response = await factory.CreateClient().SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("eventgrid.azure.net", response.Headers.GetValues("WebHook-Allowed-Origin").Single());
    }

    [Fact]
    public async Task ACloudEventsBlobCreatedMakesTheVersionReady()
    {
        var upload = await RegisterAndPutAsync("cloud/event.txt", [1, 2, 3]);
        var cloudEvent = new
        {
            specversion = "1.0",
            type = "Microsoft.Storage.BlobCreated",
            source = "/subscriptions/x/resourceGroups/y/providers/Microsoft.Storage/storageAccounts/devstoreaccount1",
            id = Guid.NewGuid().ToString(),
            time = DateTimeOffset.UtcNow,
            subject = $"/blobServices/default/containers/{factory.Container}/blobs/{TestData.BlobNameOf(factory, upload)}",
            data = new { api = "PutBlob", eTag = "0x1", contentLength = 3, blobType = "BlockBlob", url = "http://127.0.0.1/x" },
        };

        using var response = await factory.DeliverEventsAsync(JsonSerializer.Serialize(cloudEvent), contentType: "application/cloudevents+json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(VersionStatus.Ready, await StatusOfAsync(upload));
    }

    [Fact]
    public async Task ADuplicateDeliveryLeavesTheSameStateAsOne()
    {
        var upload = await RegisterAndPutAsync("dup/d.txt", [1]);
        var created = TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, upload));

        await factory.DeliverEventsAsync(created);
        var first = await VersionAsync(upload);
        using var again = await factory.DeliverEventsAsync(created);
        var second = await VersionAsync(upload);

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(VersionStatus.Ready, second.Status);
        Assert.Equal(first.ReadyAt, second.ReadyAt);
        Assert.Equal(first.ETag, second.ETag);
    }

    [Fact]
    public async Task ReorderedDeliveriesStillServeTheNewestVersion()
    {
        var v1 = await RegisterAndPutAsync("order/o.txt", [1]);
        var v2 = await RegisterAndPutAsync("order/o.txt", [2, 2]);

        await factory.DeliverEventsAsync(TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, v2)));
        await factory.DeliverEventsAsync(TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, v1)));

        var file = await _api.GetFromJsonAsync<FileResponse>($"{factory.FilesBase}/path/order/o.txt?include_versions=true", FileApiFactory.Json);
        Assert.Equal(v2.VersionId, file!.VersionId);
        Assert.Equal(2, file.Size);
        Assert.Equal(2, file.Versions!.Count);
    }

    [Fact]
    public async Task AnEventArrivingBeforeTheCommitDoesNotMakeTheVersionReady()
    {
        var upload = await _api.RegisterAsync($"{factory.FilesBase}/path/early/e.txt");
        var created = TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, upload));

        using var early = await factory.DeliverEventsAsync(created);
        Assert.Equal(VersionStatus.Uploading, await StatusOfAsync(upload));

        await TestData.PutBlobAsync(upload.Upload, [4, 5]);
        await factory.DeliverEventsAsync(created);
        Assert.Equal(HttpStatusCode.OK, early.StatusCode);
        Assert.Equal(2, (await VersionAsync(upload)).Size);
    }

    [Fact]
    public async Task SizeAndEtagComeFromStorageNotFromTheEvent()
    {
        var upload = await RegisterAndPutAsync("truth/t.txt", [1, 2, 3, 4]);

        await factory.DeliverEventsAsync(TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, upload), eTag: "\"forged\"", size: 999));

        var version = await VersionAsync(upload);
        Assert.Equal(4, version.Size);
        Assert.NotEqual("\"forged\"", version.ETag);
    }

    [Fact]
    public async Task ABlobNoVersionOwnsIsAcknowledgedAndChangesNothing()
    {
        var unknown = BlobNames.For(factory.OrganizationId, factory.WorkspaceId, Guid.NewGuid(), 42);

        using var owned = await factory.DeliverEventsAsync(TestData.BlobCreated(factory.Container, unknown));
        using var foreign = await factory.DeliverEventsAsync(TestData.BlobCreated(factory.Container, "not/ours.txt"));
        using var otherContainer = await factory.DeliverEventsAsync(TestData.BlobCreated("elsewhere", unknown));

        Assert.Equal(HttpStatusCode.OK, owned.StatusCode);
        Assert.Equal(HttpStatusCode.OK, foreign.StatusCode);
        Assert.Equal(HttpStatusCode.OK, otherContainer.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("{\"eventType\":\"Microsoft.Storage.BlobCreated\"}")]
    [InlineData("[{\"id\":\"1\"}]")]
    [InlineData("[42]")]
    public async Task AMalformedBodyIs400ProblemJson(string body)
    {
        using var response = await factory.DeliverEventsAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("urn:fileapi:problem:invalid-event", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-secret")]
    public async Task ADeliveryWithoutTheSecretIs401AndChangesNothing(string? secret)
    {
        var upload = await RegisterAndPutAsync($"auth/{secret ?? "none"}.txt", [1]);

        using var response = await factory.DeliverEventsAsync(TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, upload)), secret);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(VersionStatus.Uploading, await StatusOfAsync(upload));
    }

    Task<UploadResponse> RegisterAndPutAsync(string path, byte[] content) => factory.RegisterAndPutAsync(_api, $"path/{path}", content);

    Task<FileVersion> VersionAsync(UploadResponse upload) => factory.VersionAsync(upload);

    async Task<VersionStatus> StatusOfAsync(UploadResponse upload) => (await VersionAsync(upload)).Status;
}
