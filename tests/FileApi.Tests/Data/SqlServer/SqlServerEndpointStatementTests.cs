using System.Data;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using FileApi.Data;
using FileApi.Data.Providers;
using FileApi.Files;
using FileApi.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using static FileApi.Tests.Data.SqlServer.SqlServerStatementTests;

namespace FileApi.Tests.Data.SqlServer;

/// <summary>
/// What every endpoint sends to SQL Server, with no server: the real app in memory (<see cref="OfflineSqlServerFactory"/>)
/// is called over HTTP as a client calls it, each request answered by canned rows where a path needs one to go on (a
/// membership row so the workspace scope passes, a version row so completion proceeds), with the blobs in the shared
/// Azurite. Then what runs only once storage has answered (verification's claim, heartbeat, release and failure, the
/// import worker's copy, the orphan sweep) and DatabaseMigrations' adoption. Each statement must parse as T-SQL and all are checked in as
/// Snapshots/endpoints.sql and Snapshots/migrations.adoption.sql; an endpoint without a scenario here fails
/// <see cref="EveryEndpointHasItsStatementsRendered"/>.
/// </summary>
public sealed class SqlServerEndpointStatementTests(OfflineSqlServerFactory factory) : IClassFixture<OfflineSqlServerFactory>
{
    static readonly Guid OverQuotaFileId = Guid.Parse("0190f5a2-0000-7000-8000-000000000002");
    static readonly Guid VerifiedFileId = Guid.Parse("0190f5a2-0000-7000-8000-000000000003");
    static readonly Guid ImportedFileId = Guid.Parse("0190f5a2-0000-7000-8000-000000000004");
    static readonly Guid WebhookId = Guid.Parse("0190f5a2-0000-7000-8000-0000000000aa");
    static readonly string OwnerId = FileApiFactory.UserId(FileApiFactory.Owner);

    /// <summary>Endpoints that send nothing to the database, by name (or pattern, for those without a name).</summary>
    static readonly string[] SendNothing = ["validateStorageEventsWebhook", "/healthz/live", "/openapi/v1.json"];

    // The workspace scope's (and the role lock's) lookup of the caller's role, and Any() queries.
    const string CallerRole = "SELECT TOP(1) [w].[role]\nFROM [workspace_members] AS [w]";
    const string Exists = "SELECT CASE\n    WHEN EXISTS (";
    const string FileEntity = "[f].[workspace_id]\nFROM [files] AS [f]";
    const string MemberEntity = "[w].[granted_by_id]";
    const string Count = "SELECT COUNT(*)";

    sealed record Scenario(string Endpoint, string Name, Func<OfflineSqlServerFactory, HttpRequestMessage> Request,
        Func<OfflineSqlServerFactory, IServiceProvider, Task>? Arrange = null, int RowsAffected = 1, bool AsStorage = false);

    static HttpRequestMessage Send(HttpMethod method, string url, object? body = null) =>
        new(method, url) { Content = body is null ? null : JsonContent.Create(body, options: FileApiFactory.Json) };

    static string WorkspacePath(OfflineSqlServerFactory f) => $"/file/v2/orgs/{f.OrganizationId}/workspaces/{f.WorkspaceId}";

    static Task Answers(OfflineSqlServerFactory f, params (string Contains, Func<DataTable> Rows)[] answers)
    {
        foreach (var (contains, rows) in answers)
            f.Sql.Answer(contains, rows);
        return Task.CompletedTask;
    }

    static DataTable Member(IServiceProvider s, WorkspaceRole role) =>
        EntityRow<WorkspaceMember>(s, (nameof(WorkspaceMember.UserId), "someone"), (nameof(WorkspaceMember.Role), role));

    /// <summary>An uploading version as completion reads it: its columns, then its file's workspace and organisation.</summary>
    static DataTable Version(OfflineSqlServerFactory f, IServiceProvider s, Guid fileId, string? sha256 = null) =>
        WithColumns(EntityRow<FileVersion>(s, (nameof(FileVersion.FileId), fileId), (nameof(FileVersion.VersionId), 1L), (nameof(FileVersion.CreatedById), OwnerId),
            (nameof(FileVersion.DeclaredSha256), (object?)sha256 ?? DBNull.Value)), ("WorkspaceId", f.WorkspaceId), ("OrganizationId", f.OrganizationId));

    /// <summary>
    /// What completion reads first, in one query as the poll does: the caller's role (owner), the file, then its uploading version.
    /// Column names are made unique (a table cannot repeat one); EF reads them by position.
    /// </summary>
    static DataTable CallerFileAndVersion(IServiceProvider s, Guid fileId)
    {
        var file = FileRow();
        file.Columns.Remove("OrganizationId");
        DataTable[] parts = [Row(("role", "owner")), file, EntityRow<FileVersion>(s, (nameof(FileVersion.FileId), fileId), (nameof(FileVersion.VersionId), 1L),
            (nameof(FileVersion.CreatedById), OwnerId))];
        var table = new DataTable();
        var values = new List<object>();
        foreach (var (part, index) in parts.Select((part, index) => (part, index)))
            foreach (DataColumn column in part.Columns)
            {
                table.Columns.Add($"{column.ColumnName}_{index}", column.DataType);
                values.Add(part.Rows[0][column]);
            }
        table.Rows.Add([.. values]);
        return table;
    }

    const string CallerFileAndVersionQuery = "SELECT TOP(1) [w].[role], [f].[id]";

    /// <summary>The readiness statement's one answer row for a version, in a workspace with a webhook (so its event is written).</summary>
    static DataTable Readiness(Guid fileId, string outcome) => Row(("FileId", fileId), ("VersionId", 1L), ("Outcome", outcome), ("Watched", true));

    const string ReadinessStatement = "AS [Outcome]";

    /// <summary>The rows an event about a file needs in the outbox: the file and one subscribed endpoint.</summary>
    static (string, Func<DataTable>)[] Outbox =>
    [
        (OutboxFile, () => FileRow()),
        // A batch's events (readiness writes them for all its versions at once): the files, then each workspace's endpoints.
        ("WHERE [f].[id] = @fileIds1", () => FileRow()),
        ("SELECT [w].[workspace_id] AS [WorkspaceId], [w].[id] AS [Id]\nFROM [webhook_endpoints]", () => Row(("WorkspaceId", Guid.Empty), ("Id", WebhookId))),
        ("FROM [webhook_endpoints]", () => Row(("Value", WebhookId))),
    ];

    static async Task UploadAsync(OfflineSqlServerFactory f, Guid fileId) =>
        await f.BlobClient(BlobNames.For(f.OrganizationId, f.WorkspaceId, fileId, 1)).UploadAsync(BinaryData.FromString("0123456789"), overwrite: true);

    static IEnumerable<Scenario> Scenarios()
    {
        var files = (OfflineSqlServerFactory f) => f.FilesBase;
        var webhooks = (OfflineSqlServerFactory f) => WorkspacePath(f) + "/webhooks";
        yield return new("createOrganization", "an organisation and its admin", f => Send(HttpMethod.Post, "/file/v2/orgs", new { Name = "Org" }), RowsAffected: 2);
        yield return new("listMyWorkspaces", "across organisations", f => Send(HttpMethod.Get, "/file/v2/workspaces"));
        yield return new("listMyWorkspacesInOrganization", "in one organisation", f => Send(HttpMethod.Get, $"/file/v2/orgs/{f.OrganizationId}/workspaces"));
        yield return new("createWorkspace", "as an organisation admin", f => Send(HttpMethod.Post, $"/file/v2/orgs/{f.OrganizationId}/workspaces", new { Name = "W" }),
            (f, s) => Answers(f, ("FROM [organization_admins]", () => Row(("Value", true)))), RowsAffected: 2);
        yield return new("createWorkspace", "as someone who is no admin", f => Send(HttpMethod.Post, $"/file/v2/orgs/{f.OrganizationId}/workspaces", new { Name = "W" }));
        yield return new("getWorkspace", "with its usage", f => Send(HttpMethod.Get, WorkspacePath(f) + "/"),
            (f, s) => Answers(f, ("LEFT JOIN [workspace_usage]", () => WithColumns(EntityRow<Workspace>(s), ("Files", 1L), ("Bytes", 10L)))));
        yield return new("listWorkspaceMembers", "every role", f => Send(HttpMethod.Get, WorkspacePath(f) + "/roles"));
        yield return new("grantWorkspaceRole", "to someone new", f => Send(HttpMethod.Put, WorkspacePath(f) + "/roles/someone", new { Role = "editor" }));
        yield return new("grantWorkspaceRole", "demoting the last owner", f => Send(HttpMethod.Put, WorkspacePath(f) + "/roles/someone", new { Role = "viewer" }),
            (f, s) => Answers(f, (MemberEntity, () => Member(s, WorkspaceRole.Owner)), (Count, () => Row(("Value", 1)))));
        yield return new("revokeWorkspaceRole", "an editor's role", f => Send(HttpMethod.Delete, WorkspacePath(f) + "/roles/someone"),
            (f, s) => Answers(f, (MemberEntity, () => Member(s, WorkspaceRole.Editor))));
        yield return new("setWorkspaceQuota", "as an organisation admin", f => Send(HttpMethod.Put, WorkspacePath(f) + "/quota", new { QuotaBytes = 1000 }),
            (f, s) => Answers(f, ("FROM [organization_admins]", () => Row(("Value", true)))));
        yield return new("setWorkspaceQuota", "as a workspace owner who is no admin", f => Send(HttpMethod.Put, WorkspacePath(f) + "/quota", new { QuotaBytes = 1000 }));

        yield return new("listFiles", "the first page", f => Send(HttpMethod.Get, files(f)));
        yield return new("listFiles", "the folder view", f => Send(HttpMethod.Get, files(f) + "?folder=/reports/&delimiter=/"),
            (f, s) => Answers(f, ("FROM @subfolders", () => Row(("Value", 0L)))));
        yield return new("registerFileVersionByPath", "a new file", f => Send(HttpMethod.Put, files(f) + "/path/reports/a.csv", new { Size = 10 }),
            (f, s) => Answers(f, (Allocated, () => Row(("FileId", FileId), ("VersionId", 1L)))));
        yield return new("registerFileVersionByPath", "renewing an upload link", f => Send(HttpMethod.Put, files(f) + "/path/reports/a.csv?version_id=1"),
            (f, s) => Answers(f, ("SELECT TOP(1) [f].[id] AS [Id]", () => Row(("Id", FileId)))));
        yield return new("registerFileVersionById", "a new version", f => Send(HttpMethod.Put, $"{files(f)}/{FileId}", new { Size = 10 }),
            (f, s) => Answers(f, (Allocated, () => Row(("FileId", FileId), ("VersionId", 2L)))));
        yield return new("registerFileVersionById", "renewing an upload link", f => Send(HttpMethod.Put, $"{files(f)}/{FileId}?version_id=1"),
            (f, s) => Answers(f, (Exists, () => Row(("Value", true)))));
        yield return new("registerFileVersionById", "restoring a file to its path", f => Send(HttpMethod.Put, $"{files(f)}/{FileId}?deleted=false"),
            (f, s) => Answers(f, (FileEntity, () => FileRow(deletedAt: f.Clock.GetUtcNow()))));
        yield return new("registerFileVersionById", "restoring a file beside the one that took its path", f => Send(HttpMethod.Put, $"{files(f)}/{FileId}?deleted=false"),
            (f, s) =>
            {
                f.Sql.AnswerOnce(Exists, () => Row(("Value", true)));
                return Answers(f, (FileEntity, () => FileRow(deletedAt: f.Clock.GetUtcNow())));
            });
        yield return new("completeUpload", "a committed upload becomes ready", f => Send(HttpMethod.Post, $"{files(f)}/{FileId}/versions/1/complete"),
            async (f, s) =>
            {
                await UploadAsync(f, FileId);
                await Answers(f, [(CallerFileAndVersionQuery, () => CallerFileAndVersion(s, FileId)),
                    (ReadinessStatement, () => Readiness(FileId, ReadinessOutcomes.Ready)), .. Outbox]);
            });
        yield return new("completeUpload", "a committed upload over the workspace's quota fails", f => Send(HttpMethod.Post, $"{files(f)}/{OverQuotaFileId}/versions/1/complete"),
            async (f, s) =>
            {
                await UploadAsync(f, OverQuotaFileId);
                await Answers(f, [(CallerFileAndVersionQuery, () => CallerFileAndVersion(s, OverQuotaFileId)),
                    (ReadinessStatement, () => Readiness(OverQuotaFileId, ReadinessOutcomes.OverQuota)), ("[quota_bytes] AS [QuotaBytes], [w0].[bytes]", () => Row(("QuotaBytes", 5L), ("Bytes", 0L))), .. Outbox]);
            });
        yield return new("abortUpload", "an upload of one's own", f => Send(HttpMethod.Delete, $"{files(f)}/{FileId}/versions/2"), (f, s) => Answers(f, Outbox));
        yield return new("getFileByPath", "a live file", f => Send(HttpMethod.Get, files(f) + "/path/reports/a.csv"),
            (f, s) => Answers(f, (FileEntity, () => FileRow())));
        yield return new("getFileById", "an unknown file", f => Send(HttpMethod.Get, $"{files(f)}/{FileId}"));
        yield return new("deleteFileByPath", "a live file", f => Send(HttpMethod.Delete, files(f) + "/path/reports/a.csv"),
            (f, s) => Answers(f, [("SELECT TOP(1) [f].[id]\nFROM", () => Row(("Value", FileId))), .. Outbox]));
        yield return new("deleteFileById", "a live file", f => Send(HttpMethod.Delete, $"{files(f)}/{FileId}"),
            (f, s) => Answers(f, [("SELECT TOP(1) [f].[id]\nFROM", () => Row(("Value", FileId))), .. Outbox]));
        yield return new("importFile", "from a URL", f => Send(HttpMethod.Post, files(f) + "/imports", new { Path = "imports/a.csv", SourceUrl = "https://example.test/a.csv", Size = 10 }),
            (f, s) => Answers(f, (Allocated, () => Row(("FileId", FileId), ("VersionId", 3L)))));

        yield return new("createWebhook", "an endpoint", f => Send(HttpMethod.Post, webhooks(f) + "/", new { Url = "https://example.test/hook" }),
            (f, s) => Answers(f, (Count, () => Row(("Value", 0)))));
        yield return new("listWebhooks", "with delivery status", f => Send(HttpMethod.Get, webhooks(f) + "/"));
        yield return new("getWebhook", "an unknown endpoint", f => Send(HttpMethod.Get, $"{webhooks(f)}/{WebhookId}"));
        yield return new("deleteWebhook", "an endpoint", f => Send(HttpMethod.Delete, $"{webhooks(f)}/{WebhookId}"));
        yield return new("rotateWebhookSecret", "an endpoint's secret", f => Send(HttpMethod.Post, $"{webhooks(f)}/{WebhookId}/rotate-secret"));
        yield return new("listWebhookDeliveries", "an endpoint's deliveries", f => Send(HttpMethod.Get, $"{webhooks(f)}/{WebhookId}/deliveries"),
            (f, s) => Answers(f, (Exists, () => Row(("Value", true)))));

        yield return new("receiveStorageEvents", "a blob created for an unknown version", f =>
        {
            var request = Send(HttpMethod.Post, "/events/storage", TestData.BlobCreated(f.Container, BlobNames.For(f.OrganizationId, f.WorkspaceId, FileId, 9)));
            request.Headers.Add("X-FileApi-Webhook-Secret", FileApiFactory.WebhookSecret);
            return request;
        }, AsStorage: true);
        yield return new("/healthz/ready", "readiness, every migration applied", f => Send(HttpMethod.Get, "/healthz/ready"), AllMigrationsApplied);
        yield return new("/healthz", "readiness (the older path), every migration applied", f => Send(HttpMethod.Get, "/healthz"), AllMigrationsApplied);
    }

    static Task AllMigrationsApplied(OfflineSqlServerFactory f, IServiceProvider s) =>
        Answers(f, ("FROM [__EFMigrationsHistory]", () => History(s.GetRequiredService<FileApiDb>().Database.GetMigrations())));

    static DataTable WithColumns(DataTable table, params (string Name, object Value)[] columns)
    {
        var values = table.Rows[0].ItemArray;
        foreach (var (name, value) in columns)
            table.Columns.Add(name, value.GetType());
        table.Rows[0].ItemArray = [.. values, .. columns.Select(c => c.Value)];
        return table;
    }

    [Fact]
    public void EveryEndpointHasItsStatementsRendered()
    {
        var endpoints = factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? e.RoutePattern.RawText!).ToHashSet();
        var rendered = Scenarios().Select(s => s.Endpoint).Concat(SendNothing).ToHashSet();

        Assert.True(endpoints.SetEquals(rendered),
            $"Endpoints without a scenario in {nameof(Scenarios)}: [{string.Join(", ", endpoints.Except(rendered))}]; scenarios of no endpoint: [{string.Join(", ", rendered.Except(endpoints))}].");
    }

    [Fact]
    public async Task EveryStatementTheEndpointsSendIsValidTSqlAndMatchesItsSnapshot()
    {
        using var client = factory.CreateClientFor(FileApiFactory.Owner);
        // Event Grid signs in with the webhook secret, not a user's token.
        using var storage = factory.CreateClient();
        var rendered = new StringBuilder();
        foreach (var scenario in Scenarios())
        {
            await using var scope = factory.Services.CreateAsyncScope();
            Begin(scenario.RowsAffected);
            if (scenario.Arrange is not null)
                await scenario.Arrange(factory, scope.ServiceProvider);
            AnswerTheScope();
            using var request = scenario.Request(factory);
            using var response = await (scenario.AsStorage ? storage : client).SendAsync(request);
            Render(rendered, $"{scenario.Endpoint}: {scenario.Name} (answers {(int)response.StatusCode})");
        }

        // What runs only after storage has answered, outside any request: verification and the orphan sweep.
        foreach (var (name, run) in AfterStorage())
        {
            await using var scope = factory.Services.CreateAsyncScope();
            Begin(rowsAffected: 1);
            AnswerTheScope();
            string ending;
            try
            {
                await run(scope.ServiceProvider);
                ending = "completes";
            }
            catch (Exception exception)
            {
                ending = $"stops at {exception.GetType().Name}";
            }
            Render(rendered, $"{name} ({ending})");
        }

        SqlSnapshots.AssertMatches("endpoints.sql", rendered.ToString());
    }

    IEnumerable<(string Name, Func<IServiceProvider, Task> Run)> AfterStorage()
    {
        var sha256 = new string('0', 64);
        yield return ("verify a declared checksum: claim, heartbeat, a mismatch fails it", async s =>
        {
            await UploadAsync(factory, VerifiedFileId);
            factory.Sql.Answer(FoundVersion, () => Version(factory, s, VerifiedFileId, sha256));
            await Answers(factory, Outbox);
            factory.BeforeHash = HeartbeatOnceAsync;
            await s.GetRequiredService<VersionLifecycle>().VerifyAsync(BlobNames.For(factory.OrganizationId, factory.WorkspaceId, VerifiedFileId, 1), default);
        });
        yield return ("verify a declared checksum: a failed read releases the claim", async s =>
        {
            await UploadAsync(factory, VerifiedFileId);
            factory.Sql.Answer(FoundVersion, () => Version(factory, s, VerifiedFileId, sha256));
            factory.BeforeHash = () => throw new IOException("The read failed.");
            await s.GetRequiredService<VersionLifecycle>().VerifyAsync(BlobNames.For(factory.OrganizationId, factory.WorkspaceId, VerifiedFileId, 1), default);
        });
        var source = factory.BlobClient(BlobNames.For(factory.OrganizationId, factory.WorkspaceId, FileId, 1));
        yield return ("run an import whose source the blob service cannot read", s =>
            RunImportAsync(s, new Uri(source.Uri, "missing-source")));
        yield return ("run an import that copies its source", s =>
            RunImportAsync(s, source.GenerateSasUri(Azure.Storage.Sas.BlobSasPermissions.Read, DateTimeOffset.UtcNow.AddHours(1))));
        // A delivery answered before its completion finished records its versions first: exactly these (file, version) pairs.
        yield return ("record a delivery's unfinished versions as reported", s =>
            s.GetRequiredService<VersionLifecycle>().RecordReportedAsync(
                [new FileVersion { FileId = FileId, VersionId = 1, CreatedById = "uploader" },
                 new FileVersion { FileId = VerifiedFileId, VersionId = 1, CreatedById = "uploader" },
                 new FileVersion { FileId = ImportedFileId, VersionId = 2, CreatedById = "uploader" }], default));
        yield return ("reconciler pass with the orphan sweep", async s =>
        {
            factory.BeforeHash = () => Task.CompletedTask;
            // Past the grace period of every blob uploaded above.
            factory.Clock.Advance(TimeSpan.FromDays(1));
            await s.GetRequiredService<Reconciler>().RunPassAsync(sweepOrphans: true, default);
        });
    }

    /// <summary>The import worker's run of a claimed job whose version is uploading, copying from <paramref name="sourceUrl"/> into Azurite.</summary>
    async Task RunImportAsync(IServiceProvider s, Uri sourceUrl)
    {
        factory.Sql.Answer("FROM [file_imports]", () => EntityRow<FileImport>(s, (nameof(FileImport.FileId), ImportedFileId), (nameof(FileImport.VersionId), 1L),
            (nameof(FileImport.OrganizationId), factory.OrganizationId), (nameof(FileImport.WorkspaceId), factory.WorkspaceId),
            (nameof(FileImport.SourceUrl), sourceUrl.AbsoluteUri), (nameof(FileImport.Size), 10L)));
        factory.Sql.Answer("SELECT TOP(1) [f].[status]\nFROM [file_versions]", () => Row(("Value", nameof(VersionStatus.Uploading))));
        factory.Sql.Answer(FoundVersion, () => Version(factory, s, ImportedFileId));
        await Answers(factory, [(ReadinessStatement, () => Readiness(ImportedFileId, ReadinessOutcomes.Ready)), .. Outbox]);
        await s.GetRequiredService<FileApi.Imports.FileImporter>().RunAsync(new FileApi.Imports.ImportClaim(ImportedFileId, 1, Guid.Empty), default);
    }

    /// <summary>Lets one heartbeat tick while the hash has not started, and waits until its statement was sent.</summary>
    async Task HeartbeatOnceAsync()
    {
        var sent = new TaskCompletionSource();
        void OnRecorded(SentCommand _) => sent.TrySetResult();
        factory.Sql.Recorded += OnRecorded;
        try
        {
            factory.Clock.Advance(factory.Services.GetRequiredService<IOptions<FilesOptions>>().Value.VerificationTimeout / 3);
            await sent.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            factory.Sql.Recorded -= OnRecorded;
        }
    }

    [Fact]
    public async Task TheMigrationRunsAdoptionStatementsAreValidTSqlAndMatchTheirSnapshot()
    {
        var rendered = new StringBuilder();
        var legacy = DatabaseMigrations.LegacySqlMigrationIds;
        foreach (var (name, builtBySql) in new[] { ("a database with nothing to adopt", false), ("a database the SQL migrations of earlier releases built", true) })
        {
            await using var scope = factory.Services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<FileApiDb>();
            Begin(rowsAffected: 0);
            factory.Sql.Answer("OBJECT_ID(N'schema_migrations')", () => Row(("Value", builtBySql)));
            factory.Sql.Answer("FROM schema_migrations", () => Rows("Value", legacy));
            // Adoption finds the history empty; the migrator then finds every migration applied (their script is migrations.idempotent.sql).
            factory.Sql.AnswerOnce("FROM [__EFMigrationsHistory]", () => History([]));
            factory.Sql.Answer("FROM [__EFMigrationsHistory]", () => History(db.Database.GetMigrations()));
            string ending;
            try
            {
                await db.ApplyMigrationsAsync(NullLogger.Instance, default);
                ending = "completes";
            }
            catch (Exception exception)
            {
                ending = $"stops at {exception.GetType().Name}";
            }
            Render(rendered, $"{name} ({ending})");
        }

        SqlSnapshots.AssertMatches("migrations.adoption.sql", rendered.ToString());
    }

    static DataTable Rows(string column, IEnumerable<string> values)
    {
        var table = new DataTable();
        table.Columns.Add(column, typeof(string));
        foreach (var value in values)
            table.Rows.Add(value);
        return table;
    }

    static DataTable History(IEnumerable<string> migrations)
    {
        var table = new DataTable();
        table.Columns.Add("MigrationId", typeof(string));
        table.Columns.Add("ProductVersion", typeof(string));
        foreach (var migration in migrations)
            table.Rows.Add(migration, "10.0.15");
        return table;
    }

    void Begin(int rowsAffected)
    {
        factory.Sql.Reset();
        lock (factory.Sql.Sent)
            factory.Sql.Sent.Clear();
        factory.Sql.RowsAffected = rowsAffected;
    }

    /// <summary>After a scenario's own answers, so they come first: the caller owns the workspace, and nothing is in the way.</summary>
    void AnswerTheScope()
    {
        factory.Sql.Answer(CallerRole, () => Row(("Value", "owner")));
        factory.Sql.Answer(Exists, () => Row(("Value", false)));
        // SaveChanges reads one row per deleted row.
        factory.Sql.Answer("\nOUTPUT 1\n", () => Row(("Value", 1)));
    }

    void Render(StringBuilder rendered, string heading)
    {
        List<SentCommand> sent;
        lock (factory.Sql.Sent)
            sent = [.. factory.Sql.Sent];
        Assert.True(sent.Count > 0, $"{heading}: sent nothing");
        rendered.Append(CultureInfo.InvariantCulture, $"-- {heading}\n");
        foreach (var command in sent)
        {
            SqlSnapshots.AssertParses(command.Text);
            foreach (var parameter in command.Parameters)
                rendered.Append(CultureInfo.InvariantCulture, $"-- {parameter}\n");
            rendered.Append(CultureInfo.InvariantCulture, $"{command.Text.ReplaceLineEndings("\n").TrimEnd()}\n\n");
        }
    }
}
