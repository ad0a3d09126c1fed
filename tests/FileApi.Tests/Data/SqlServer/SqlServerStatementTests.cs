using System.Data;
using System.Globalization;
using System.Text;
using FileApi.Auth;
using FileApi.Data;
using FileApi.Data.Providers;
using FileApi.Files;
using FileApi.Imports;
using FileApi.Notifications;
using FileApi.Storage;
using FileApi.Tests.Infrastructure;
using FileApi.Workspaces;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace FileApi.Tests.Data.SqlServer;

/// <summary>
/// The statements the application's own services send on SQL Server, with no server: the real services, registered as
/// the app registers them, run against <see cref="OfflineSqlServer"/>, which records each command and answers it with
/// no rows (or a canned row where a path needs one to go on). Each statement must parse as T-SQL, and all are checked
/// in as Snapshots/statements.sql, so a change that alters SQL (queries, ExecuteUpdate/ExecuteDelete, SaveChanges) shows in review.
///
/// Covered, by the service that sends it: VersionLifecycle (path locks and the file-or-folder check, both version
/// allocations, the import job insert, renew, abort, the version lookup of complete/verify/fail, the versions of a batch, the failed
/// and expired transitions, record a check, delete, restore, purge, the usage count each writes), WebhookOutbox (file,
/// endpoints, version, the delivery insert), FileReader (file with a version, a version, the version list, the wait),
/// WaitedVersionPoller, WebhookDispatcher (claim, deliver and record the outcome), FileImporter (claim, run, drop a
/// settled job), Reconciler (a pass without the orphan sweep), WorkspaceQuotas.RefuseDeclaredSizeAsync, DevelopmentSeed.
/// The listing and folder view are in listing.sql, the raw T-SQL (readiness, locks, folder view) in raw-tsql.sql.
/// The endpoint handlers' own statements (and the workspace scope's membership lookup), what runs only once storage has
/// answered (sealing, readiness, the over-quota failure, verification's claim, heartbeat and release, the import's copy,
/// the orphan sweep) and DatabaseMigrations' adoption are rendered by SqlServerEndpointStatementTests, through the real app.
/// </summary>
public sealed class SqlServerStatementTests
{
    internal static readonly Guid FileId = Guid.Parse("0190f5a2-0000-7000-8000-000000000001");
    static readonly string BlobName = BlobNames.For(Guid.Empty, Guid.Empty, FileId, 638000000000000000);
    static readonly CallerIdentity Caller = new("user-1", "tenant-1", "User One", "user1@example.test", IsApplication: false, Roles: []);
    static readonly DateTimeOffset Later = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    static ServiceProvider Services(OfflineSqlServer server)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            // Never reached: storage is asked nothing before the statements recorded here.
            ["Storage:ServiceUri"] = "http://127.0.0.1:9/devstoreaccount1",
            ["Storage:AccountName"] = "devstoreaccount1",
            ["Storage:AccountKey"] = Convert.ToBase64String(new byte[64]),
        }).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        services.AddSingleton<IHostEnvironment>(new HostingEnvironment { EnvironmentName = Environments.Production, ApplicationName = "FileApi" });
        services.AddProvider(DatabaseProvider.SqlServer, "Server=127.0.0.1,9;Database=never_opened;Connect Timeout=1");
        services.ConfigureDbContext<SqlServerFileApiDb>(options => options.AddInterceptors(server));
        // The cross-instance lock holds a connection of its own (its T-SQL is in raw-tsql.sql); here it is always granted.
        services.Replace(ServiceDescriptor.Singleton<IReconcilerLock>(new GrantedLock()));
        services.AddBlobStorage();
        services.AddFiles();
        services.AddNotifications();
        services.AddImports();
        return services.BuildServiceProvider();
    }

    sealed class GrantedLock : IReconcilerLock, IAsyncDisposable
    {
        public Task<IAsyncDisposable?> TryAcquireAsync(CancellationToken ct) => Task.FromResult<IAsyncDisposable?>(this);
        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    internal static DataTable Row(params (string Name, object Value)[] columns)
    {
        var table = new DataTable();
        foreach (var (name, value) in columns)
            table.Columns.Add(name, value.GetType());
        table.Rows.Add([.. columns.Select(c => c.Value)]);
        return table;
    }

    /// <summary>Each unit of work, by name: what it sets up on the stand-in server, then the service call.</summary>
    static IEnumerable<(string Name, Func<IServiceProvider, OfflineSqlServer, Task> Run)> UnitsOfWork()
    {
        var scope = new WorkspaceScope();
        Assert.True(FilePath.TryParse("reports/2026/a.csv", out var path, out _));
        yield return ("register at a path, with an import job", (s, server) =>
        {
            server.Answer(Allocated, () => Row(("FileId", FileId), ("VersionId", 638000000000000000L)));
            return s.GetRequiredService<VersionLifecycle>().RegisterAtPathAsync(scope, path!, Caller, new RegisterRequest(Size: 10), Later,
                new ImportSource(new Uri("https://example.test/a.csv"), 10), default);
        });
        yield return ("register a new version of a file", (s, server) =>
        {
            server.Answer(Allocated, () => Row(("FileId", FileId), ("VersionId", 638000000000000001L)));
            return s.GetRequiredService<VersionLifecycle>().RegisterForFileAsync(scope, FileId, Caller, new RegisterRequest(Size: 10), Later, default);
        });
        yield return ("renew an upload link", (s, _) =>
            s.GetRequiredService<VersionLifecycle>().RenewAsync(scope, FileId, 1, Caller, Later, default));
        yield return ("abort an upload", (s, server) =>
        {
            server.RowsAffected = 1;
            return s.GetRequiredService<VersionLifecycle>().AbortAsync(scope, FileId, 1, Caller, default);
        });
        yield return ("complete an upload (unknown version)", (s, _) => s.GetRequiredService<VersionLifecycle>().CompleteAsync(BlobName, default));
        yield return ("verify an upload (unknown version)", (s, _) => s.GetRequiredService<VersionLifecycle>().VerifyAsync(BlobName, default));
        yield return ("versions of blobs", (s, _) => s.GetRequiredService<VersionLifecycle>().FindManyAsync([BlobName], default));
        yield return ("fail an import (unknown version)", (s, _) => s.GetRequiredService<VersionLifecycle>().FailImportAsync(BlobName, FailureCodes.ImportFailed, "refused", default));
        yield return ("fail an import of an uploading version", (s, server) =>
        {
            server.RowsAffected = 1;
            server.Answer(FoundVersion, () => EntityRow<FileVersion>(s, (nameof(FileVersion.FileId), FileId), (nameof(FileVersion.VersionId), 1L)));
            server.Answer(OutboxFile, () => FileRow());
            server.Answer("FROM [webhook_endpoints]", () => Row(("Value", FileId)));
            return s.GetRequiredService<VersionLifecycle>().FailImportAsync(BlobName, FailureCodes.ImportFailed, "refused", default);
        });
        yield return ("expire an upload", (s, server) =>
        {
            server.RowsAffected = 1;
            return s.GetRequiredService<VersionLifecycle>().ExpireAsync(BlobName, default);
        });
        yield return ("record a reconciler check", (s, _) => s.GetRequiredService<VersionLifecycle>().RecordCheckedAsync(FileId, 1, default));
        yield return ("delete a file", (s, server) =>
        {
            server.RowsAffected = 1;
            server.Answer("SELECT TOP(1) [f].[id]\nFROM", () => Row(("Value", FileId)));
            server.Answer(OutboxFile, () => FileRow());
            server.Answer("FROM [webhook_endpoints]", () => Row(("Value", FileId)));
            var (db, fileId, workspaceId) = (s.GetRequiredService<FileApiDb>(), FileId, Guid.Empty);
            return s.GetRequiredService<VersionLifecycle>().DeleteFileAsync(db.Files.Where(f => f.Id == fileId && f.WorkspaceId == workspaceId), Caller, default);
        });
        yield return ("restore a file", (s, server) =>
        {
            server.RowsAffected = 1;
            return s.GetRequiredService<VersionLifecycle>().RestoreFileAsync(scope, FileId, path!, default);
        });
        yield return ("purge a deleted file", (s, _) => s.GetRequiredService<VersionLifecycle>().PurgeFileAsync(FileId, Later, default));
        yield return ("describe a file with its version list", (s, _) =>
        {
            var file = new StoredFile { Id = FileId, Folder = "/reports/", Name = "a.csv", PathKey = "reports/a.csv", CreatedById = "user-1", CurrentVersionId = 1 };
            var version = new FileVersion { FileId = FileId, VersionId = 1, Status = VersionStatus.Ready, BlobVersionId = "2026-01-01T00:00:00.0000000Z", CreatedById = "user-1" };
            return s.GetRequiredService<FileReader>().DescribeAsync(new DefaultHttpContext { Request = { Scheme = "https", Host = new HostString("files.example.test") } }, scope, file,
                new ParsedFileQuery(null, IncludeVersions: true, null, TimeSpan.Zero, FileQuery.DefaultVersionsListed), default, new FileWithVersion(file, version));
        });
        yield return ("wait for a version to finish", (s, _) =>
            s.GetRequiredService<FileReader>().WaitUntilFinishedAsync(FileId, 1, TimeSpan.Zero, default));
        yield return ("wake waiters of finished versions", async (s, _) =>
        {
            var waited = s.GetRequiredService<VersionWaiters>().WhenFinished(FileId, 1);
            await ActivatorUtilities.CreateInstance<WaitedVersionPoller>(s).WakeFinishedAsync(default);
        });
        yield return ("write an event to the outbox", (s, server) =>
        {
            server.Answer(OutboxFile, () => FileRow());
            server.Answer("FROM [webhook_endpoints]", () => Row(("Value", FileId)));
            return s.GetRequiredService<WebhookOutbox>().AddAsync(FileEventTypes.FileDeleted, FileId, null, default);
        });
        yield return ("claim due webhook deliveries", (s, server) =>
        {
            server.Answer("FROM [webhook_deliveries]", () => Row(("Value", FileId)));
            return s.GetRequiredService<WebhookDispatcher>().ClaimDueAsync(default);
        });
        yield return ("deliver a webhook (claim lost)", (s, _) =>
            s.GetRequiredService<WebhookDispatcher>().DeliverAsync(new DeliveryClaim(FileId, Guid.Empty), default));
        yield return ("deliver a webhook to an endpoint that refuses", (s, server) =>
        {
            server.RowsAffected = 1;
            server.Answer("FROM [webhook_deliveries] AS [w]\nINNER JOIN [webhook_endpoints]", () =>
            {
                var row = Row(("Id", FileId), ("Payload", "{}"), ("Attempts", 0), ("CreatedAt", Later));
                var endpoint = EntityRow<WebhookEndpoint>(s, (nameof(WebhookEndpoint.Url), "http://127.0.0.1:9/hook"),
                    (nameof(WebhookEndpoint.Secret), "whsec_" + Convert.ToBase64String(new byte[32])));
                foreach (DataColumn column in endpoint.Columns)
                    row.Columns.Add("endpoint_" + column.ColumnName, column.DataType);
                row.Rows[0].ItemArray = [.. row.Rows[0].ItemArray.Take(4), .. endpoint.Rows[0].ItemArray];
                return row;
            });
            return s.GetRequiredService<WebhookDispatcher>().DeliverAsync(new DeliveryClaim(FileId, Guid.Empty), default);
        });
        yield return ("claim due imports", (s, server) =>
        {
            server.Answer("FROM [file_imports]", () => Row(("FileId", FileId), ("VersionId", 1L)));
            return s.GetRequiredService<FileImporter>().ClaimDueAsync(10, default);
        });
        yield return ("run an import (claim lost)", (s, _) =>
            s.GetRequiredService<FileImporter>().RunAsync(new ImportClaim(FileId, 1, Guid.Empty), default));
        yield return ("run an import whose version settled meanwhile", (s, server) =>
        {
            server.Answer("FROM [file_imports]", () => EntityRow<FileImport>(s, (nameof(FileImport.FileId), FileId), (nameof(FileImport.VersionId), 1L)));
            return s.GetRequiredService<FileImporter>().RunAsync(new ImportClaim(FileId, 1, Guid.Empty), default);
        });
        yield return ("reconciler pass", (s, _) => s.GetRequiredService<Reconciler>().RunPassAsync(sweepOrphans: false, default));
        yield return ("refuse a declared size over quota", (s, _) =>
            WorkspaceQuotas.RefuseDeclaredSizeAsync(s.GetRequiredService<FileApiDb>(), scope, 10, default));
        yield return ("development seed", (s, _) => DevelopmentSeed.EnsureAsync(s.GetRequiredService<FileApiDb>(), "dev", "user-1", "tenant-1", default));
    }

    // The version-allocating statements' result, and the outbox's lookup of the file an event is about.
    internal const string Allocated = "OUTPUT inserted.file_id AS [FileId], inserted.version_id AS [VersionId]";
    internal const string OutboxFile = "[w].[organization_id] AS [OrganizationId]\nFROM [files] AS [f]\nINNER JOIN [workspaces] AS [w] ON [f].[workspace_id] = [w].[id]\nWHERE [f].[id] = @fileId";

    internal const string FoundVersion = "FROM [file_versions] AS [f]\nINNER JOIN [files] AS [f0] ON [f].[file_id] = [f0].[id]\nINNER JOIN [workspaces]";

    /// <summary>
    /// One row of an entity as EF selects it (its properties in model order, stored types after value conversion):
    /// the given values, the rest defaults (an enum its first member, strings empty, nullables null).
    /// </summary>
    internal static DataTable EntityRow<T>(IServiceProvider services, params (string Property, object Value)[] values)
    {
        var entity = services.GetRequiredService<FileApiDb>().Model.FindEntityType(typeof(T))!;
        var table = new DataTable();
        var row = new List<object>();
        foreach (var property in entity.GetProperties())
        {
            var converter = property.GetTypeMapping().Converter;
            var modelType = Nullable.GetUnderlyingType(property.ClrType) ?? property.ClrType;
            var storeType = Nullable.GetUnderlyingType(converter?.ProviderClrType ?? modelType) ?? converter?.ProviderClrType ?? modelType;
            table.Columns.Add(property.GetColumnName(), storeType);
            object? value = values.Any(v => v.Property == property.Name) ? values.Single(v => v.Property == property.Name).Value
                : property.IsNullable ? null
                : modelType == typeof(string) ? ""
                : modelType.IsEnum ? Enum.GetValues(modelType).GetValue(0)
                : Activator.CreateInstance(modelType);
            row.Add(value is null ? DBNull.Value : converter is null ? value : converter.ConvertToProvider(value)!);
        }
        table.Rows.Add([.. row]);
        return table;
    }

    /// <summary>A live file row with its organization, in the column order of <see cref="OutboxFile"/>'s SELECT.</summary>
    internal static DataTable FileRow(DateTimeOffset? deletedAt = null)
    {
        var table = new DataTable();
        (string, Type, object)[] columns =
        [
            ("id", typeof(Guid), FileId), ("created_at", typeof(DateTimeOffset), Later), ("created_by_email", typeof(string), DBNull.Value),
            ("created_by_id", typeof(string), "user-1"), ("created_by_name", typeof(string), DBNull.Value), ("current_size", typeof(long), 10L),
            ("current_version_id", typeof(long), 1L), ("deleted_at", typeof(DateTimeOffset), deletedAt is { } deleted ? deleted : DBNull.Value), ("deleted_by_email", typeof(string), DBNull.Value),
            ("deleted_by_id", typeof(string), DBNull.Value), ("deleted_by_name", typeof(string), DBNull.Value), ("folder", typeof(string), "/reports/"),
            ("folder_key", typeof(string), "reports/"), ("latest_version_id", typeof(long), 1L), ("modified_at", typeof(DateTimeOffset), Later),
            ("name", typeof(string), "a.csv"), ("name_key", typeof(string), "a.csv"), ("path_key", typeof(string), "reports/a.csv"),
            ("workspace_id", typeof(Guid), Guid.Empty), ("OrganizationId", typeof(Guid), Guid.Empty),
        ];
        foreach (var (name, type, _) in columns)
            table.Columns.Add(name, type);
        table.Rows.Add([.. columns.Select(c => c.Item3)]);
        return table;
    }

    [Fact]
    public async Task EveryStatementTheServicesSendIsValidTSqlAndMatchesItsSnapshot()
    {
        var server = new OfflineSqlServer();
        await using var services = Services(server);
        var rendered = new StringBuilder();
        foreach (var (name, run) in UnitsOfWork())
        {
            server.Reset();
            server.Sent.Clear();
            // Any(): nothing is in the way (a path is free, a row is new), so a unit of work goes on to its writes.
            server.Answer("SELECT CASE\n    WHEN EXISTS (", () => Row(("Value", false)));
            await using (var scope = services.CreateAsyncScope())
            {
                string ending;
                try
                {
                    await run(scope.ServiceProvider, server);
                    ending = "completes";
                }
                catch (Exception exception)
                {
                    // A stand-in answer (no rows) ended the unit of work; what it sent until then is what is checked.
                    ending = $"stops at {exception.GetType().Name}";
                }
                rendered.Append(CultureInfo.InvariantCulture, $"-- {name} ({ending})\n");
            }
            Assert.True(server.Sent.Count > 0, $"{name}: sent nothing");
            foreach (var command in server.Sent)
            {
                AssertParses(command.Text);
                foreach (var parameter in command.Parameters)
                    rendered.Append(CultureInfo.InvariantCulture, $"-- {parameter}\n");
                rendered.Append(CultureInfo.InvariantCulture, $"{command.Text.ReplaceLineEndings("\n").TrimEnd()}\n\n");
            }
        }

        SqlSnapshots.AssertMatches("statements.sql", rendered.ToString());
    }

    static void AssertParses(string sql)
    {
        new TSql160Parser(initialQuotedIdentifiers: true).Parse(new StringReader(sql), out var errors);
        Assert.True(errors.Count == 0, string.Join("\n", errors.Select(e => $"line {e.Line}: {e.Message}")) + "\n" + sql);
    }
}
