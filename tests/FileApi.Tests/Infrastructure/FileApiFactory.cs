using System.Net.Http.Headers;
using System.Text.Json;
using FileApi.Auth;
using FileApi.Data;
using FileApi.Data.Providers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FileApi.Tests.Infrastructure;

/// <summary>
/// The real API in memory, on its own PostgreSQL database and its own Azurite container, with one
/// organisation and workspace whose owner is the user <see cref="Owner"/>. One per test class, so classes
/// share no mutable state. Callers authenticate with real RS256 tokens signed by a key made for the class, which the
/// API finds through an OpenID discovery document (<see cref="OidcServer.AuthorityFor"/>).
/// </summary>
public class FileApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string WebhookSecret = "test-webhook-secret";
    public const string Owner = "owner";
    public const string TokenIssuer = "https://login.fileapi.test/issuer";
    public const string TokenAudience = "api://fileapi-test";

    readonly string _keyDirectory = Directory.CreateTempSubdirectory("fileapi-test-keys-").FullName;
    LocalTokenIssuer? _tokens;
    readonly FileApiFactory? _first;

    public FileApiFactory()
    {
    }

    /// <summary>
    /// Another instance of the API beside <paramref name="first"/>, as a second App Service instance is: on its database,
    /// container, organisation and workspace, taking tokens signed by its keys. <paramref name="first"/> must be initialised.
    /// </summary>
    protected FileApiFactory(FileApiFactory first)
    {
        _first = first;
        Container = first.Container;
        OrganizationId = first.OrganizationId;
        WorkspaceId = first.WorkspaceId;
    }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    string _connectionString = "";

    public string Container { get; } = "files-" + Guid.NewGuid().ToString("N")[..16];
    public Guid OrganizationId { get; } = Guid.NewGuid();
    public Guid WorkspaceId { get; } = Guid.NewGuid();
    public string ConnectionString => _connectionString;

    /// <summary>The engine this class's app runs on; the SQL Server classes (tests/FileApi.Tests/Data/SqlServer) say SqlServer.</summary>
    public virtual DatabaseProvider DatabaseProvider => DatabaseProvider.PostgreSql;

    /// <summary>False for a class that points the app at a database that is not there: nothing is created or seeded.</summary>
    protected virtual bool UsesDatabase => true;

    /// <summary>
    /// The host environment. Testing by default; Development for a class that turns on what only a developer machine
    /// may run, Production for one that proves it cannot.
    /// </summary>
    protected virtual string HostEnvironment => "Testing";

    /// <summary>The PostgreSQL server the class's database is made on: the shared one, unless a class needs its own (to stop it).</summary>
    protected virtual Task<PostgresServer> DatabaseServerAsync() => PostgresServer.GetAsync();

    /// <summary>The Azurite the class's container lives in: the shared one, unless a class needs its own (to stop it).</summary>
    protected virtual AzuriteServer Azurite => AzuriteServer.Instance;

    /// <summary>Settings a test class overrides, e.g. a short upload link lifetime.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> ExtraSettings => [];

    public string FilesBase => $"/file/v2/orgs/{OrganizationId}/workspaces/{WorkspaceId}/files";

    public LocalTokenIssuer Tokens => _first?.Tokens ?? _tokens ?? throw new InvalidOperationException("The factory is not initialised.");

    public virtual async Task InitializeAsync()
    {
        if (_first is not null)
        {
            // Everything is the first instance's: nothing to create or seed.
            _connectionString = _first.ConnectionString;
            return;
        }
        _tokens = LocalTokenIssuer.LoadOrCreate(_keyDirectory);
        // Its tests are reported as skipped; there is nothing to start them on.
        if (!UsesDatabase || (DatabaseProvider == DatabaseProvider.SqlServer && SqlServerServer.DockerUnavailableReason.Value is not null))
            return;
        _connectionString = DatabaseProvider == DatabaseProvider.SqlServer
            ? await (await SqlServerServer.GetAsync()).CreateDatabaseAsync()
            : await (await DatabaseServerAsync()).CreateDatabaseAsync();
        using var scope = Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FileApiDb>();
        db.Organizations.Add(new Organization { Id = OrganizationId, Name = "Test organisation", CreatedAt = DateTimeOffset.UtcNow });
        db.Workspaces.Add(new Workspace { Id = WorkspaceId, OrganizationId = OrganizationId, Name = "Test workspace", CreatedAt = DateTimeOffset.UtcNow });
        db.OrganizationAdmins.Add(new OrganizationAdmin { OrganizationId = OrganizationId, TenantId = LocalTokenIssuer.LocalTenantId, UserId = UserId(Owner), GrantedAt = DateTimeOffset.UtcNow });
        await db.SaveChangesAsync();
        await GrantAsync(Owner, WorkspaceRole.Owner);
    }

    public static string UserId(string userName) => LocalTokenIssuer.UserIdFor(userName).ToString();

    public virtual string TokenFor(string userName, IDictionary<string, object>? extraClaims = null) =>
        Tokens.Mint(UserId(userName), userName, $"{userName}@example.com", TokenIssuer, TokenAudience, TimeSpan.FromHours(1), extraClaims);

    /// <summary>A client that calls the API as <paramref name="userName"/>, with a real signed token.</summary>
    public HttpClient CreateClientFor(string userName, bool followRedirects = true)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = followRedirects, BaseAddress = ClientOptions.BaseAddress });
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenFor(userName));
        return client;
    }

    /// <summary>Gives a user a role in a workspace (this factory's, unless another is named), straight in the database.</summary>
    public async Task GrantAsync(string userName, WorkspaceRole role, Guid? workspaceId = null)
    {
        using var scope = Services.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<FileApiDb>();
        db.WorkspaceMembers.Add(new WorkspaceMember
        {
            WorkspaceId = workspaceId ?? WorkspaceId, TenantId = LocalTokenIssuer.LocalTenantId, UserId = UserId(userName), Role = role,
            Name = userName, GrantedAt = DateTimeOffset.UtcNow, GrantedById = "test",
        });
        await db.SaveChangesAsync();
    }

    /// <summary>Another workspace in this organisation, owned by <paramref name="ownerName"/>.</summary>
    public async Task<Guid> AddWorkspaceAsync(string ownerName)
    {
        var id = Guid.NewGuid();
        using (var scope = Services.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<FileApiDb>();
            db.Workspaces.Add(new Workspace { Id = id, OrganizationId = OrganizationId, Name = "Other " + id, CreatedAt = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }
        await GrantAsync(ownerName, WorkspaceRole.Owner, id);
        return id;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var azurite = Azurite;
        builder.UseEnvironment(HostEnvironment);
        builder.UseContentRoot(Path.Combine(Repository.Root, "src", "FileApi"));
        builder.UseSetting("ConnectionStrings:FileApi", _connectionString);
        builder.UseSetting("Database:Provider", DatabaseProvider.ToString());
        builder.UseSetting("Database:MigrateOnStartup", "true");
        builder.UseSetting("Storage:ServiceUri", azurite.ServiceUri.ToString());
        builder.UseSetting("Storage:AccountName", azurite.AccountName);
        builder.UseSetting("Storage:AccountKey", azurite.AccountKey);
        builder.UseSetting("Storage:Container", Container);
        builder.UseSetting("Events:WebhookSecret", WebhookSecret);
        // Tokens are validated by discovery and JWKS, as Entra's are, against an in-test provider publishing Tokens' key.
        foreach (var (key, value) in OidcServer.AuthoritySettings(Tokens.PublicKeysPath, TokenIssuer, TokenAudience))
            builder.UseSetting($"Auth:{key}", value);
        builder.UseSetting("RateLimiting:Enabled", "false");
        // Tests run reconciler passes themselves, when they mean to.
        builder.UseSetting("Lifecycle:Enabled", "false");
        // A delivery is answered once its versions are completed, however loaded the machine; the answer budget's own tests shorten it.
        builder.UseSetting("Events:AnswerWithin", "00:00:20");
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

    /// <summary>One of the class's blobs through the SDK with the account key: arranges or checks what the API did in storage.</summary>
    public Azure.Storage.Blobs.BlobClient BlobClient(string blobName) =>
        new Azure.Storage.Blobs.BlobServiceClient(Azurite.ServiceUri, new Azure.Storage.StorageSharedKeyCredential(Azurite.AccountName, Azurite.AccountKey),
                new Azure.Storage.Blobs.BlobClientOptions(FileApi.Storage.BlobStorage.ServiceVersion))
            .GetBlobContainerClient(Container).GetBlobClient(blobName);

    /// <summary>Turns a ready version back into one made ready before sealing existed: no lease id recorded, the blob's lease broken.</summary>
    public async Task UnsealAsync(FileApi.Files.UploadResponse upload)
    {
        var versionId = long.Parse(upload.VersionId);
        using (var scope = Services.CreateScope())
            await scope.ServiceProvider.GetRequiredService<FileApiDb>().FileVersions
                .Where(v => v.FileId == upload.FileId && v.VersionId == versionId)
                .ExecuteUpdateAsync(set => set.SetProperty(v => v.SealLeaseId, (Guid?)null).SetProperty(v => v.BlobSnapshot, (string?)null));
        await Azure.Storage.Blobs.Specialized.SpecializedBlobExtensions.GetBlobLeaseClient(
            BlobClient(FileApi.Files.BlobNames.For(OrganizationId, WorkspaceId, upload.FileId, versionId))).BreakAsync(TimeSpan.Zero);
    }

    /// <summary>The version's row as stored, to check what the API did behind its answers.</summary>
    /// <summary>As if the version's last upload link had expired an hour ago (links cannot be made to expire early).</summary>
    public async Task ExpireUploadLinksAsync(FileApi.Files.UploadResponse upload)
    {
        var versionId = long.Parse(upload.VersionId);
        using var scope = Services.CreateScope();
        await scope.ServiceProvider.GetRequiredService<FileApiDb>().FileVersions
            .Where(v => v.FileId == upload.FileId && v.VersionId == versionId)
            .ExecuteUpdateAsync(set => set.SetProperty(v => v.UploadExpiresAt, DateTimeOffset.UtcNow.AddHours(-1)));
    }

    public async Task<FileVersion> VersionAsync(FileApi.Files.UploadResponse upload)
    {
        using var scope = Services.CreateScope();
        var versionId = long.Parse(upload.VersionId);
        return await scope.ServiceProvider.GetRequiredService<FileApiDb>().FileVersions.AsNoTracking()
            .SingleAsync(v => v.FileId == upload.FileId && v.VersionId == versionId);
    }

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _tokens?.Dispose();
        Directory.Delete(_keyDirectory, recursive: true);
    }
}
