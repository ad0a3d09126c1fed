using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using FileApi.Data;
using FileApi.Files;
using FileApi.Notifications;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using StandardWebhooks;

namespace FileApi.Tests.Notifications;

/// <summary>Instances that commit changes but send no webhooks, so a test decides which instance delivers.</summary>
public sealed class NonDeliveringFactory : FileApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings => [new("Webhooks:Deliver", "false")];
}

public sealed class WebhookRestartTests(NonDeliveringFactory factory) : IClassFixture<NonDeliveringFactory>
{
    [Fact]
    public async Task AnEventCommittedByAnInstanceThatStoppedIsDeliveredByTheNextOneOnTheSameDatabase()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var owner = factory.CreateClientFor(FileApiFactory.Owner);
        using var created = await owner.PostAsJsonAsync($"/file/v2/orgs/{factory.OrganizationId}/workspaces/{factory.WorkspaceId}/webhooks", new { url = receiver.Url });
        var webhook = (await created.Content.ReadFromJsonAsync<WebhookCreatedResponse>(FileApiFactory.Json))!;

        // The first instance commits the change, then stops before any delivery.
        UploadResponse upload;
        await using (var first = factory.WithWebHostBuilder(_ => { }))
        {
            var api = ClientOf(first);
            upload = await api.RegisterAsync($"{factory.FilesBase}/path/restart/survives.txt");
            Assert.Equal(HttpStatusCode.Created, (await TestData.PutBlobAsync(upload.Upload, [9, 9])).StatusCode);
            using var storageEvent = new HttpRequestMessage(HttpMethod.Post, "/events/storage")
            {
                Content = JsonContent.Create(TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, upload))),
            };
            storageEvent.Headers.Add("X-FileApi-Webhook-Secret", FileApiFactory.WebhookSecret);
            Assert.Equal(HttpStatusCode.OK, (await first.CreateClient().SendAsync(storageEvent)).StatusCode);
        }
        var waiting = await PendingDeliveriesAsync(webhook.Id);

        await using var second = factory.WithWebHostBuilder(builder => builder.UseSetting("Webhooks:Deliver", "true"));
        _ = second.Services; // starts the instance, and with it the delivery worker
        var delivered = await receiver.WaitForEventAsync(FileEventTypes.VersionReady, "/restart/survives.txt");

        Assert.Equal(1, waiting);
        new StandardWebhook(webhook.Secret).Verify(delivered.Body, delivered.Headers);
        Assert.Equal(upload.VersionId, delivered.Data.GetProperty("version_id").GetString());
    }

    HttpClient ClientOf(WebApplicationFactory<Program> instance)
    {
        var client = instance.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", factory.TokenFor(FileApiFactory.Owner));
        return client;
    }

    async Task<int> PendingDeliveriesAsync(Guid webhookId)
    {
        using var scope = factory.Services.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<FileApiDb>().WebhookDeliveries
            .CountAsync(d => d.EndpointId == webhookId && d.Status == DeliveryStatus.Pending && d.Subject == "/restart/survives.txt");
    }
}
