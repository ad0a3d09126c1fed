using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FileApi.Data;
using FileApi.Notifications;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

namespace FileApi.Tests.Notifications;

/// <summary>The API with a fake clock, so retry delays pass when a test says so; the delivery worker runs as in production.</summary>
public sealed class WebhookFactory : FileApiFactory
{
    public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

    public string WebhooksBase => $"/file/v2/orgs/{OrganizationId}/workspaces/{WorkspaceId}/webhooks";

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings => [new("Webhooks:PollInterval", "00:00:01")];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

    /// <summary>Runs a delivery pass now (after the clock moved), as the poll would.</summary>
    public void WakeDeliveries() => Services.GetRequiredService<DeliverySignal>().Wake();
}

/// <summary>Each test registers its own loopback receiver as a webhook of the workspace, and removes it afterwards.</summary>
public sealed class WebhookTests(WebhookFactory factory) : IClassFixture<WebhookFactory>, IAsyncLifetime
{
    readonly HttpClient _api = factory.CreateClientFor(FileApiFactory.Owner);
    WebhookReceiver _receiver = null!;
    WebhookCreatedResponse _webhook = null!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _webhook = await CreateWebhookAsync(_receiver.Url);
    }

    public async Task DisposeAsync()
    {
        await _api.DeleteAsync($"{factory.WebhooksBase}/{_webhook.Id}");
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task AVersionBecomingReadyIsDeliveredAsACloudEventSignedPerStandardWebhooks()
    {
        var upload = await factory.UploadReadyAsync(_api, "path/hooks/ready.txt", [1, 2, 3]);

        var webhook = await _receiver.WaitForEventAsync(FileEventTypes.VersionReady, "/hooks/ready.txt");

        new StandardWebhook(_webhook.Secret).Verify(webhook.Body, webhook.Headers);
        Assert.Throws<WebhookVerificationException>(() => new StandardWebhook("whsec_" + Convert.ToBase64String(new byte[32])).Verify(webhook.Body, webhook.Headers));
        Assert.StartsWith("application/cloudevents+json", webhook.ContentType);
        var cloudEvent = webhook.CloudEvent;
        Assert.Equal("1.0", cloudEvent.SpecVersion.VersionId);
        Assert.Equal(FileEventTypes.VersionReady, cloudEvent.Type);
        Assert.Equal($"/file/v2/orgs/{factory.OrganizationId}/workspaces/{factory.WorkspaceId}", cloudEvent.Source!.ToString());
        Assert.Equal("/hooks/ready.txt", cloudEvent.Subject);
        Assert.Equal("application/json", cloudEvent.DataContentType);
        var data = webhook.Data;
        Assert.Equal(upload.FileId, data.GetProperty("file_id").GetGuid());
        Assert.Equal(upload.VersionId, data.GetProperty("version_id").GetString());
        Assert.Equal("ready.txt", data.GetProperty("name").GetString());
        Assert.Equal("/hooks/", data.GetProperty("path").GetString());
        Assert.Equal(3, data.GetProperty("size").GetInt64());
        Assert.Equal("ready", data.GetProperty("version_status").GetString());
        Assert.False(data.TryGetProperty("download", out _));
    }

    [Fact]
    public async Task AVersionThatFailsIsDeliveredWithItsReason()
    {
        // Declared 5 bytes, committed 3: the usual completion fails it.
        var upload = await factory.RegisterAndPutAsync(_api, "path/hooks/failed.txt", [1, 2, 3], new { size = 5 });
        await factory.DeliverEventsAsync(TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, upload)));

        var webhook = await _receiver.WaitForEventAsync(FileEventTypes.VersionFailed, "/hooks/failed.txt");

        new StandardWebhook(_webhook.Secret).Verify(webhook.Body, webhook.Headers);
        Assert.Equal(upload.VersionId, webhook.Data.GetProperty("version_id").GetString());
        Assert.Equal("failed", webhook.Data.GetProperty("version_status").GetString());
        Assert.Equal("size-mismatch", webhook.Data.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task DeletingAndRestoringAFileAreEachDeliveredOnce()
    {
        var upload = await factory.UploadReadyAsync(_api, "path/hooks/kept.txt", [7]);
        await _receiver.WaitForEventAsync(FileEventTypes.VersionReady, "/hooks/kept.txt");

        await _api.DeleteAsync($"{factory.FilesBase}/{upload.FileId}");
        await _api.DeleteAsync($"{factory.FilesBase}/{upload.FileId}"); // a retried DELETE changes nothing, so it reports nothing
        var deleted = await _receiver.WaitForEventAsync(FileEventTypes.FileDeleted, "/hooks/kept.txt");
        using var restore = await _api.PutAsync($"{factory.FilesBase}/{upload.FileId}?deleted=false", null);
        var restored = await _receiver.WaitForEventAsync(FileEventTypes.FileRestored, "/hooks/kept.txt");

        Assert.Equal(HttpStatusCode.NoContent, restore.StatusCode);
        new StandardWebhook(_webhook.Secret).Verify(deleted.Body, deleted.Headers);
        new StandardWebhook(_webhook.Secret).Verify(restored.Body, restored.Headers);
        Assert.Equal(upload.FileId, deleted.Data.GetProperty("file_id").GetGuid());
        Assert.Equal(FileApiFactory.UserId(FileApiFactory.Owner), deleted.Data.GetProperty("deleted_by").GetProperty("id").GetString());
        Assert.False(restored.Data.TryGetProperty("deleted_at", out _));
        // The receiver hears an event just before its sender records the delivery, so the record is awaited (bounded).
        var deliveries = await Eventually.LastReadAsync(() => DeliveriesAsync(_webhook.Id), all => all.All(d => d.Status == "delivered"));
        Assert.Single(deliveries, d => d.Type == FileEventTypes.FileDeleted);
        Assert.All(deliveries, d => Assert.Equal("delivered", d.Status));
    }

    [Fact]
    public async Task AReceiverThatAnswers500GetsTheSameEventAgainAfterTheBackoff()
    {
        _receiver.AnswerNext(StatusCodes.Status500InternalServerError);
        await factory.UploadReadyAsync(_api, "path/hooks/retried.txt", [1]);

        var first = await _receiver.WaitForEventAsync(FileEventTypes.VersionReady, "/hooks/retried.txt");
        var pending = await WaitForDeliveryAsync(d => d.Subject == "/hooks/retried.txt" && d.Attempts == 1);
        var status = (await WebhookAsync(_webhook.Id)).Delivery;
        factory.Clock.Advance(TimeSpan.FromSeconds(30));
        factory.WakeDeliveries();
        var second = await _receiver.WaitForEventAsync(FileEventTypes.VersionReady, "/hooks/retried.txt", attempt: 2);
        var delivered = await WaitForDeliveryAsync(d => d.Subject == "/hooks/retried.txt" && d.Status == "delivered");

        Assert.Equal(500, first.AnsweredStatus);
        Assert.Equal("pending", pending.Status);
        Assert.Equal(500, pending.LastStatusCode);
        Assert.Equal(pending.LastAttemptAt + TimeSpan.FromSeconds(30), pending.NextAttemptAt);
        Assert.Equal(500, status.LastStatusCode);
        Assert.True(status.Pending >= 1);
        Assert.Equal(first.Headers["webhook-id"].ToString(), second.Headers["webhook-id"].ToString());
        Assert.Equal(first.Body, second.Body);
        new StandardWebhook(_webhook.Secret).Verify(second.Body, second.Headers);
        Assert.Equal(2, delivered.Attempts);
        Assert.Equal(204, delivered.LastStatusCode);
    }

    [Fact]
    public async Task ADeliveryStillFailingAtTheEndOfItsRetryPeriodIsGivenUp()
    {
        _receiver.AnswerNext(StatusCodes.Status503ServiceUnavailable);
        var deliveryId = Guid.NewGuid();
        using (var scope = factory.Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<FileApiDb>();
            var now = factory.Clock.GetUtcNow();
            db.WebhookDeliveries.Add(new WebhookDelivery
            {
                Id = deliveryId, EndpointId = _webhook.Id, EventId = Guid.NewGuid(), EventType = FileEventTypes.VersionReady,
                Subject = "/hooks/old.txt", Payload = """{"specversion":"1.0","id":"1","type":"fileapi.version.ready","source":"/x"}""",
                Status = DeliveryStatus.Pending, CreatedAt = now - TimeSpan.FromHours(24) + TimeSpan.FromSeconds(10), NextAttemptAt = now,
            });
            await db.SaveChangesAsync();
        }
        factory.WakeDeliveries();

        var given = await WaitForDeliveryAsync(d => d.Id == deliveryId && d.Status != "pending");
        var webhook = await WebhookAsync(_webhook.Id);

        Assert.Equal("failed", given.Status);
        Assert.Equal(503, given.LastStatusCode);
        Assert.Null(given.NextAttemptAt);
        Assert.Equal(1, webhook.Delivery.Failed);
    }

    [Fact]
    public async Task AChangeWhoseEventCannotBeWrittenRollsBackAndSendsNothing()
    {
        var upload = await factory.RegisterAndPutAsync(_api, "path/hooks/atomic.txt", [1]);
        var blobCreated = TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, upload));

        // While writing this file's event fails, the version must not become ready without it.
        await ExecuteAsync("""
            CREATE FUNCTION refuse_atomic_event() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.subject = '/hooks/atomic.txt' THEN RAISE EXCEPTION 'event refused'; END IF; RETURN NEW; END $$;
            CREATE TRIGGER refuse_atomic_event BEFORE INSERT ON webhook_deliveries FOR EACH ROW EXECUTE FUNCTION refuse_atomic_event();
            """);
        using var refused = await factory.DeliverEventsAsync(blobCreated);
        var whileRefused = (await factory.VersionAsync(upload)).Status;
        await ExecuteAsync("DROP TRIGGER refuse_atomic_event ON webhook_deliveries; DROP FUNCTION refuse_atomic_event();");
        using var redelivered = await factory.DeliverEventsAsync(blobCreated); // Event Grid retries a 5xx
        var webhook = await _receiver.WaitForEventAsync(FileEventTypes.VersionReady, "/hooks/atomic.txt");

        Assert.True((int)refused.StatusCode >= 500);
        Assert.Equal(VersionStatus.Uploading, whileRefused);
        Assert.Equal(HttpStatusCode.OK, redelivered.StatusCode);
        Assert.Equal(VersionStatus.Ready, (await factory.VersionAsync(upload)).Status);
        Assert.Equal(upload.VersionId, webhook.Data.GetProperty("version_id").GetString());
        Assert.Single(await DeliveriesAsync(_webhook.Id), d => d.Subject == "/hooks/atomic.txt");
    }

    async Task ExecuteAsync(string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task AfterARotationDeliveriesCarrySignaturesWithTheNewAndTheOldSecret()
    {
        using var rotate = await _api.PostAsync($"{factory.WebhooksBase}/{_webhook.Id}/rotate-secret", null);
        var rotated = await rotate.Content.ReadFromJsonAsync<WebhookSecretResponse>(FileApiFactory.Json);
        await factory.UploadReadyAsync(_api, "path/hooks/rotated.txt", [1]);

        var webhook = await _receiver.WaitForEventAsync(FileEventTypes.VersionReady, "/hooks/rotated.txt");

        Assert.Equal(HttpStatusCode.OK, rotate.StatusCode);
        Assert.NotEqual(_webhook.Secret, rotated!.Secret);
        Assert.Equal(2, webhook.Headers["webhook-signature"].ToString().Split(' ').Length);
        // StandardWebhooks 1.1.2 checks only the first signature of the header, so each is verified on its own.
        var signatures = webhook.Headers["webhook-signature"].ToString().Split(' ');
        new StandardWebhook(rotated.Secret).Verify(webhook.Body, WithSignature(webhook.Headers, signatures[0]));
        new StandardWebhook(_webhook.Secret).Verify(webhook.Body, WithSignature(webhook.Headers, signatures[1]));
    }

    static HeaderDictionary WithSignature(IHeaderDictionary headers, string signature) =>
        new(headers.ToDictionary(h => h.Key, h => h.Key == "webhook-signature" ? new Microsoft.Extensions.Primitives.StringValues(signature) : h.Value));

    [Fact]
    public async Task TheSecretIsAnsweredAtCreationOnlyAndListingShowsDeliveryStatus()
    {
        await factory.UploadReadyAsync(_api, "path/hooks/listed.txt", [1]);
        await _receiver.WaitForEventAsync(FileEventTypes.VersionReady, "/hooks/listed.txt");
        await WaitForDeliveryAsync(d => d.Subject == "/hooks/listed.txt" && d.Status == "delivered");

        var listed = await _api.GetStringAsync(factory.WebhooksBase);
        var mine = JsonDocument.Parse(listed).RootElement.GetProperty("webhooks").EnumerateArray().Single(w => w.GetProperty("id").GetGuid() == _webhook.Id);

        Assert.StartsWith("whsec_", _webhook.Secret);
        Assert.DoesNotContain(_webhook.Secret, listed);
        Assert.Equal(_receiver.Url.AbsoluteUri, mine.GetProperty("url").GetString());
        Assert.Equal(204, mine.GetProperty("delivery").GetProperty("last_status_code").GetInt32());
        Assert.Equal(JsonValueKind.String, mine.GetProperty("delivery").GetProperty("last_success_at").ValueKind);
    }

    [Fact]
    public async Task AUrlThatIsNotHttpIsRefusedAndAnUnknownWebhookIsNotFound()
    {
        using var ftp = await _api.PostAsJsonAsync(factory.WebhooksBase, new { url = "ftp://127.0.0.1/hooks" });
        using var relative = await _api.PostAsJsonAsync(factory.WebhooksBase, new { url = "/hooks" });
        using var unknown = await _api.DeleteAsync($"{factory.WebhooksBase}/{Guid.NewGuid()}");

        Assert.Equal(HttpStatusCode.BadRequest, ftp.StatusCode);
        Assert.Contains("urn:fileapi:problem:invalid-url", await ftp.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, relative.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("urn:fileapi:problem:webhook-not-found", await unknown.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(WorkspaceRole.Editor)]
    [InlineData(WorkspaceRole.Viewer)]
    public async Task OnlyOwnersManageWebhooks(WorkspaceRole role)
    {
        var userName = $"hooks-{role}-{Guid.NewGuid():N}"[..24];
        await factory.GrantAsync(userName, role);
        var api = factory.CreateClientFor(userName);

        using var create = await api.PostAsJsonAsync(factory.WebhooksBase, new { url = _receiver.Url });
        using var list = await api.GetAsync(factory.WebhooksBase);
        using var rotate = await api.PostAsync($"{factory.WebhooksBase}/{_webhook.Id}/rotate-secret", null);
        using var deliveries = await api.GetAsync($"{factory.WebhooksBase}/{_webhook.Id}/deliveries");
        using var delete = await api.DeleteAsync($"{factory.WebhooksBase}/{_webhook.Id}");

        foreach (var response in new[] { create, list, rotate, deliveries, delete })
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("urn:fileapi:problem:forbidden", problem.GetProperty("type").GetString());
            Assert.Equal(["owner"], problem.GetProperty("permitted_roles").EnumerateArray().Select(r => r.GetString()));
        }
        Assert.Equal(HttpStatusCode.OK, (await _api.GetAsync($"{factory.WebhooksBase}/{_webhook.Id}")).StatusCode);
    }

    async Task<WebhookCreatedResponse> CreateWebhookAsync(Uri url)
    {
        using var response = await _api.PostAsJsonAsync(factory.WebhooksBase, new { url });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<WebhookCreatedResponse>(FileApiFactory.Json))!;
    }

    async Task<WebhookResponse> WebhookAsync(Guid id) =>
        (await _api.GetFromJsonAsync<WebhookResponse>($"{factory.WebhooksBase}/{id}", FileApiFactory.Json))!;

    async Task<IReadOnlyList<DeliveryResponse>> DeliveriesAsync(Guid id) =>
        (await _api.GetFromJsonAsync<DeliveryListResponse>($"{factory.WebhooksBase}/{id}/deliveries", FileApiFactory.Json))!.Deliveries;

    /// <summary>Reads the deliveries until one matches: the worker writes an attempt's outcome just after the receiver answered.</summary>
    async Task<DeliveryResponse> WaitForDeliveryAsync(Func<DeliveryResponse, bool> match) =>
        (await Eventually.ReadAsync(() => DeliveriesAsync(_webhook.Id), deliveries => deliveries.Any(match), "a matching delivery", checks: 1200)).First(match);
}
