using FileApi.Client;
using FileApi.Tests.Imports;
using FileApi.Tests.Infrastructure;
using StandardWebhooks;

namespace FileApi.Tests.Client;

/// <summary>The client's typed calls for webhooks and server-side import.</summary>
public sealed class NotificationClientTests(FileApiFactory factory) : IClassFixture<FileApiFactory>
{
    [Fact]
    public async Task AWebhookCreatedWithTheClientReceivesEventsAndShowsItsDeliveries()
    {
        var files = factory.WorkspaceClientFor(new StorageSpy(factory));
        await using var receiver = await WebhookReceiver.StartAsync();

        var created = await files.CreateWebhookAsync(receiver.Url);
        await files.UploadAsync("client-hooks/a.txt", new MemoryStream("abc"u8.ToArray()));
        var received = await receiver.WaitForEventAsync("fileapi.version.ready", "/client-hooks/a.txt");
        var listed = await files.GetWebhooksAsync();
        var rotated = await files.RotateWebhookSecretAsync(created.Id);
        var deliveries = await files.GetWebhookDeliveriesAsync(created.Id);
        await files.DeleteWebhookAsync(created.Id);
        var afterDelete = await files.GetWebhooksAsync();

        new StandardWebhook(created.Secret).Verify(received.Body, received.Headers);
        Assert.Contains(listed, w => w.Id == created.Id && w.Url == receiver.Url.AbsoluteUri);
        Assert.NotEqual(created.Secret, rotated.Secret);
        Assert.Contains(deliveries, d => d.Type == "fileapi.version.ready" && d.Subject == "/client-hooks/a.txt");
        Assert.DoesNotContain(afterDelete, w => w.Id == created.Id);
    }

    [Fact]
    public async Task AnImportStartedWithTheClientIsWaitedForUntilReady()
    {
        var files = factory.WorkspaceClientFor(new StorageSpy(factory));
        var content = TestData.RandomBytes(70_000);
        var source = await ImportTests.SourceBlobAsync(content, blocks: 3);

        var started = await files.StartImportAsync("client-imports/copied.bin", source, new ImportOptions { Size = content.Length });
        var ready = await files.WaitForImportAsync(started);

        Assert.Equal("importing", started.State);
        Assert.Equal(started.VersionId, ready.VersionId);
        Assert.Equal(content.Length, ready.Size);
        Assert.Equal("/client-imports/copied.bin", ready.FullPath);
    }
}
