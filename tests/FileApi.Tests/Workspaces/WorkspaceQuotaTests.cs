using System.Net;
using System.Net.Http.Json;
using System.Text;
using FileApi.Data;
using FileApi.Files;
using FileApi.Http;
using FileApi.Imports;
using FileApi.Notifications;
using FileApi.Storage;
using FileApi.Tests.Imports;
using FileApi.Tests.Infrastructure;
using FileApi.Workspaces;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FileApi.Tests.Workspaces;

/// <summary>
/// A workspace's quota, set by organisation admins, refuses registrations whose declared size cannot fit and fails versions
/// whose bytes do not fit when they would become ready, by every path (completion, Event Grid, import). Each test sets the
/// quota relative to the usage it finds and clears it when done.
/// </summary>
public class WorkspaceQuotaTests(FileApiFactory factory) : IClassFixture<FileApiFactory>
{
    readonly HttpClient _admin = factory.CreateClientFor(FileApiFactory.Owner); // the factory's owner is also the organisation's admin
    string WorkspaceUrl => $"/file/v2/orgs/{factory.OrganizationId}/workspaces/{factory.WorkspaceId}";
    string QuotaUrl => WorkspaceUrl + "/quota";

    [Fact]
    public async Task ARegistrationWhoseDeclaredSizeDoesNotFitIs409QuotaExceededAndChangesNothing()
    {
        var before = await UsageAsync();
        await SetQuotaAsync(before.Bytes + 100);
        var existing = await factory.UploadReadyAsync(_admin, "path/quota/declared/a.bin", new byte[60]);
        var rows = await RowCountsAsync();

        using var atPath = await _admin.PutAsJsonAsync($"{factory.FilesBase}/path/quota/declared/b.bin", new { size = 41 });
        using var newVersion = await _admin.PutAsJsonAsync($"{factory.FilesBase}/{existing.FileId}", new { size = 41 });
        using var import = await _admin.PostAsJsonAsync($"{factory.FilesBase}/imports",
            new { path = "quota/declared/c.bin", source_url = "http://127.0.0.1:1/source.bin", size = 41 });

        var problem = await StrictJson.ReadProblemAsync(atPath, HttpStatusCode.Conflict, Problems.QuotaExceeded);
        Assert.Equal(before.Bytes + 100, problem.GetProperty("quota_bytes").GetInt64());
        Assert.Equal(before.Bytes + 60, problem.GetProperty("usage_bytes").GetInt64());
        Assert.Equal(41, problem.GetProperty("declared_size").GetInt64());
        await StrictJson.ReadProblemAsync(newVersion, HttpStatusCode.Conflict, Problems.QuotaExceeded);
        await StrictJson.ReadProblemAsync(import, HttpStatusCode.Conflict, Problems.QuotaExceeded);
        Assert.Equal(rows, await RowCountsAsync());
        Assert.Equal(new UsageResponse(before.Files + 1, before.Bytes + 60), await UsageAsync());

        // Exactly the room left fits, and an undeclared size is left to readiness.
        using var fits = await _admin.PutAsJsonAsync($"{factory.FilesBase}/path/quota/declared/b.bin", new { size = 40 });
        using var undeclared = await _admin.PutAsync($"{factory.FilesBase}/path/quota/declared/d.bin", content: null);
        Assert.Equal(HttpStatusCode.OK, fits.StatusCode);
        Assert.Equal(HttpStatusCode.OK, undeclared.StatusCode);
        await SetQuotaAsync(null);
    }

    [Fact]
    public async Task AnUploadWhoseBytesDoNotFitFailsWithQuotaExceededItsBlobIsDeletedAndUsageIsUnchanged()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var created = await _admin.PostAsJsonAsync(WorkspaceUrl + "/webhooks", new { url = receiver.Url });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var before = await UsageAsync();
        await SetQuotaAsync(before.Bytes + 50);

        // Through the client's completion call...
        var completed = await factory.RegisterAndPutAsync(_admin, "path/quota/actual/completed.bin", new byte[51]);
        using var completion = await _admin.PostAsync($"{factory.FilesBase}/{completed.FileId}/versions/{completed.VersionId}/complete", content: null);
        var problem = await StrictJson.ReadProblemAsync(completion, HttpStatusCode.Conflict, Problems.VersionFailed);
        Assert.Equal(FailureCodes.QuotaExceeded, problem.GetProperty("reason").GetString());

        // ...and through Event Grid's notice.
        var notified = await factory.RegisterAndPutAsync(_admin, "path/quota/actual/notified.bin", new byte[51]);
        using (var delivered = await factory.DeliverEventsAsync(TestData.BlobCreated(factory.Container, TestData.BlobNameOf(factory, notified))))
            Assert.Equal(HttpStatusCode.OK, delivered.StatusCode);

        foreach (var upload in new[] { completed, notified })
        {
            var version = await factory.VersionAsync(upload);
            Assert.Equal(VersionStatus.Failed, version.Status);
            Assert.Equal(FailureCodes.QuotaExceeded, version.FailureCode);
            Assert.Null(await Storage.GetPropertiesAsync(TestData.BlobNameOf(factory, upload), CancellationToken.None));
        }
        Assert.Equal(before, await UsageAsync());
        var failedEvent = await receiver.WaitForEventAsync(FileEventTypes.VersionFailed, "/quota/actual/notified.bin");
        Assert.Equal(notified.VersionId, failedEvent.Data.GetProperty("version_id").GetString());

        // What fits still becomes ready, up to the last byte.
        await factory.UploadReadyAsync(_admin, "path/quota/actual/fits.bin", new byte[50]);
        Assert.Equal(new UsageResponse(before.Files + 1, before.Bytes + 50), await UsageAsync());
        await SetQuotaAsync(null);
        var webhook = (await created.Content.ReadFromJsonAsync<WebhookCreatedResponse>(FileApiFactory.Json))!;
        using var removed = await _admin.DeleteAsync($"{WorkspaceUrl}/webhooks/{webhook.Id}");
    }

    [Fact]
    public async Task AnImportWithoutADeclaredSizeThatCannotFitFailsWithQuotaExceededBeforeAByteIsCopied()
    {
        var before = await UsageAsync();
        await SetQuotaAsync(before.Bytes + 1000);
        var source = await ImportTests.SourceBlobAsync(TestData.RandomBytes(1001), blocks: 2);

        using var started = await _admin.PostAsJsonAsync($"{factory.FilesBase}/imports", new { path = "quota/imported.bin", source_url = source });
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var accepted = (await started.Content.ReadFromJsonAsync<ImportAccepted>(FileApiFactory.Json))!;
        using var finished = await WaitUntilFinishedAsync(started.Headers.Location!);

        var problem = await StrictJson.ReadProblemAsync(finished, HttpStatusCode.Conflict, Problems.VersionFailed);
        Assert.Equal(FailureCodes.QuotaExceeded, problem.GetProperty("reason").GetString());
        // Refused on the source's size: no block was copied, so no blob (committed or not) ever existed to delete.
        Assert.Contains("the source is 1001 bytes and does not fit", problem.GetProperty("detail").GetString());
        var upload = new UploadResponse(accepted.FileId, accepted.VersionId, started.Headers.Location!, default);
        Assert.Null(await Storage.GetPropertiesAsync(TestData.BlobNameOf(factory, upload), CancellationToken.None));
        Assert.Equal(before, await UsageAsync());
        await SetQuotaAsync(null);
    }

    [Fact]
    public async Task OnlyOrganisationAdminsSetTheQuotaAndMembersReadItBesideUsage()
    {
        await factory.GrantAsync("quota-owner", WorkspaceRole.Owner);
        await factory.GrantAsync("quota-viewer", WorkspaceRole.Viewer);
        await AddOrganizationAdminAsync("quota-admin"); // an admin with no role in the workspace
        var owner = factory.CreateClientFor("quota-owner");
        var viewer = factory.CreateClientFor("quota-viewer");

        using (var refused = await owner.PutAsJsonAsync(QuotaUrl, new { quota_bytes = 10 }))
        {
            var problem = await StrictJson.ReadProblemAsync(refused, HttpStatusCode.Forbidden, Problems.Forbidden);
            Assert.Equal("owner", problem.GetProperty("your_role").GetString());
        }
        using (var stranger = await factory.CreateClientFor("quota-stranger").PutAsJsonAsync(QuotaUrl, new { quota_bytes = 10 }))
            await StrictJson.ReadProblemAsync(stranger, HttpStatusCode.NotFound, Problems.WorkspaceNotFound);
        Assert.Null((await WorkspaceAsync(viewer)).QuotaBytes);

        using (var set = await factory.CreateClientFor("quota-admin").PutAsJsonAsync(QuotaUrl, new { quota_bytes = 123_456_789 }))
        {
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
            var answer = (await set.Content.ReadFromJsonAsync<QuotaResponse>(FileApiFactory.Json))!;
            Assert.Equal(123_456_789, answer.QuotaBytes);
            Assert.Equal(await UsageAsync(), answer.Usage);
        }
        var seen = await WorkspaceAsync(viewer);
        Assert.Equal(123_456_789, seen.QuotaBytes);
        Assert.NotNull(seen.Usage);

        await SetQuotaAsync(null);
        var cleared = await viewer.GetStringAsync(WorkspaceUrl);
        Assert.DoesNotContain("quota_bytes", cleared);
    }

    [Theory]
    [InlineData("""{"quota_bytes":-1}""", Problems.InvalidQuota)]
    [InlineData("""{"quota_bytes":1.5}""", Problems.InvalidRequest)]
    [InlineData("""{"quota_bytes":"ten"}""", Problems.InvalidRequest)]
    [InlineData("""{}""", Problems.InvalidRequest)]
    public async Task AnInvalidQuotaIs400AndChangesNothing(string body, string type)
    {
        await SetQuotaAsync(5_000_000);

        using var refused = await _admin.PutAsync(QuotaUrl, new StringContent(body, Encoding.UTF8, "application/json"));

        await StrictJson.ReadProblemAsync(refused, HttpStatusCode.BadRequest, type);
        Assert.Equal(5_000_000, (await WorkspaceAsync(_admin)).QuotaBytes);
        await SetQuotaAsync(null);
    }

    BlobStorage Storage => factory.Services.GetRequiredService<BlobStorage>();

    async Task SetQuotaAsync(long? quotaBytes)
    {
        using var response = await _admin.PutAsJsonAsync(QuotaUrl, new { quota_bytes = quotaBytes });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    async Task<WorkspaceResponse> WorkspaceAsync(HttpClient api) =>
        (await api.GetFromJsonAsync<WorkspaceResponse>(WorkspaceUrl, FileApiFactory.Json))!;

    async Task<UsageResponse> UsageAsync() => (await WorkspaceAsync(_admin)).Usage!;

    async Task<(int Files, int Versions, int Imports)> RowCountsAsync()
    {
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FileApiDb>();
        return (await db.Files.CountAsync(), await db.FileVersions.CountAsync(), await db.FileImports.CountAsync());
    }

    async Task AddOrganizationAdminAsync(string userName)
    {
        using var scope = factory.Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FileApiDb>();
        db.OrganizationAdmins.Add(new OrganizationAdmin
        {
            OrganizationId = factory.OrganizationId, TenantId = FileApi.Auth.LocalTokenIssuer.LocalTenantId, UserId = FileApiFactory.UserId(userName),
            GrantedAt = DateTimeOffset.UtcNow,
        });
        await db.SaveChangesAsync();
    }

    async Task<HttpResponseMessage> WaitUntilFinishedAsync(Uri version)
    {
        for (var poll = 0; poll < 10; poll++)
        {
            var response = await _admin.GetAsync(version.PathAndQuery + "&wait=30");
            if (!(await response.Content.ReadAsStringAsync()).Contains("version-not-ready"))
                return response;
            response.Dispose();
        }
        throw new TimeoutException("The import did not finish.");
    }
}
