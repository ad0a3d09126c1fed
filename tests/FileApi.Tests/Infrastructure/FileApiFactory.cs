using System.Net.Http.Json;
using System.Text.Json;
using FileApi.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace FileApi.Tests.Infrastructure;

/// <summary>
/// The real API in memory, on its own PostgreSQL database and its own Azurite container, with one
/// organisation and workspace. One per test class, so classes share no mutable state.
/// </summary>
public class FileApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string WebhookSecret = "test-webhook-secret";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    string _connectionString = "";

    public string Container { get; } = "files-" + Guid.NewGuid().ToString("N")[..16];
    public Guid OrganizationId { get; } = Guid.NewGuid();
    public Guid WorkspaceId { get; } = Guid.NewGuid();
    public string ConnectionString => _connectionString;

    /// <summary>Settings a test class overrides, e.g. a short upload link lifetime.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> ExtraSettings => [];

    public string FilesBase => $"/file/v2/orgs/{OrganizationId}/workspaces/{WorkspaceId}/files";

    public async Task InitializeAsync()
    {
        _connectionString = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        using var scope = Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FileApiDb>();
        db.Organizations.Add(new Organization { Id = OrganizationId, Name = "Test organisation", CreatedAt = DateTimeOffset.UtcNow });
        db.Workspaces.Add(new Workspace { Id = WorkspaceId, OrganizationId = OrganizationId, Name = "Test workspace", CreatedAt = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var azurite = AzuriteServer.Instance;
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:FileApi", _connectionString);
        builder.UseSetting("Database:MigrateOnStartup", "true");
        builder.UseSetting("Storage:ServiceUri", azurite.ServiceUri.ToString());
        builder.UseSetting("Storage:AccountName", azurite.AccountName);
        builder.UseSetting("Storage:AccountKey", azurite.AccountKey);
        builder.UseSetting("Storage:Container", Container);
        builder.UseSetting("Events:WebhookSecret", WebhookSecret);
        foreach (var (key, value) in ExtraSettings)
            builder.UseSetting(key, value);
    }

    public async Task<HttpResponseMessage> DeliverEventsAsync(object events, string? secret = WebhookSecret, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/events/storage")
        {
            Content = new StringContent(events as string ?? JsonSerializer.Serialize(events), System.Text.Encoding.UTF8, contentType),
        };
        if (secret is not null)
            request.Headers.Add("X-FileApi-Webhook-Secret", secret);
        return await CreateClient().SendAsync(request);
    }

    public new Task DisposeAsync() => base.DisposeAsync().AsTask();
}
