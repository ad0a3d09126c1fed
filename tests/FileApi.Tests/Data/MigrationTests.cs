using System.Security.Cryptography;
using System.Text;
using FileApi.Data;
using FileApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace FileApi.Tests.Data;

public sealed class MigrationTests
{
    /// <summary>The hand-written SQL migrations that earlier releases applied, kept to build databases to upgrade.</summary>
    static readonly string LegacySqlFolder = Path.Combine(Repository.Root, "tests", "FileApi.Tests", "Data", "LegacySqlMigrations");

    const int ParallelMigrators = 4;

    [Fact]
    public void EveryModelChangeHasAMigration()
    {
        using var db = Context("Host=127.0.0.1;Database=never_opened");

        Assert.False(db.Database.HasPendingModelChanges(),
            "The EF model differs from the last migration's snapshot: add a migration (CONTRIBUTING.md, \"Changing the database schema\").");
    }

    [Fact]
    public async Task AFreshDatabaseMigratesToTheSchemaTheModelDescribes()
    {
        var server = await PostgresServer.GetAsync();
        var migrated = await server.CreateDatabaseAsync();
        var fromModel = await server.CreateDatabaseAsync();

        await MigrateAsync(migrated);
        await using (var db = Context(fromModel))
            await db.Database.EnsureCreatedAsync();

        Assert.Equal(AllMigrations(), await AppliedMigrationsAsync(migrated));
        var expected = await DescribeSchemaAsync(fromModel);
        Assert.NotEmpty(expected);
        Assert.Equal(expected, await DescribeSchemaAsync(migrated));
    }

    [Fact]
    public async Task ADatabaseBuiltByTheSqlMigrationsUpgradesToTheSchemaOfAFreshOne()
    {
        var server = await PostgresServer.GetAsync();
        var legacy = await server.CreateDatabaseAsync();
        var fresh = await server.CreateDatabaseAsync();
        await BuildWithLegacySqlAsync(legacy);

        await MigrateAsync(legacy);
        await MigrateAsync(fresh);

        Assert.Equal(AllMigrations(), await AppliedMigrationsAsync(legacy));
        Assert.Equal(await DescribeSchemaAsync(fresh), await DescribeSchemaAsync(legacy));
    }

    [Fact]
    public async Task UpgradingADatabaseBuiltByTheSqlMigrationsKeepsEveryRow()
    {
        var server = await PostgresServer.GetAsync();
        var connectionString = await server.CreateDatabaseAsync();
        await BuildWithLegacySqlAsync(connectionString);
        await InsertOneOfEverythingAsync(connectionString);
        var columns = await ColumnsByTableAsync(connectionString);
        var before = await ReadRowsAsync(connectionString, columns);

        await MigrateAsync(connectionString);

        Assert.Equal(AllMigrations(), await AppliedMigrationsAsync(connectionString));
        Assert.Equal(before, await ReadRowsAsync(connectionString, columns));
        Assert.Equal(LegacyRowCounts, before.ToDictionary(table => table.Key, table => table.Value.Count));
        // And the app reads them through the model.
        await using var db = Context(connectionString);
        Assert.Equal([VersionStatus.Failed, VersionStatus.Ready, VersionStatus.Uploading],
            await db.FileVersions.Select(v => v.Status).Distinct().OrderBy(s => s).ToListAsync());
        Assert.Equal(2, await db.Files.CountAsync(f => f.DeletedAt == null));
    }

    [Fact]
    public async Task MigratorsStartingTogetherOnAFreshDatabaseApplyEachMigrationOnce()
    {
        var server = await PostgresServer.GetAsync();
        var connectionString = await server.CreateDatabaseAsync();

        await Task.WhenAll(Enumerable.Range(0, ParallelMigrators).Select(_ => Task.Run(() => MigrateAsync(connectionString))));

        Assert.Equal(AllMigrations(), await AppliedMigrationsAsync(connectionString));
    }

    [Fact]
    public async Task MigratorsStartingTogetherOnADatabaseBuiltByTheSqlMigrationsAdoptItOnce()
    {
        var server = await PostgresServer.GetAsync();
        var connectionString = await server.CreateDatabaseAsync();
        await BuildWithLegacySqlAsync(connectionString);
        await InsertOneOfEverythingAsync(connectionString);
        var columns = await ColumnsByTableAsync(connectionString);
        var before = await ReadRowsAsync(connectionString, columns);

        await Task.WhenAll(Enumerable.Range(0, ParallelMigrators).Select(_ => Task.Run(() => MigrateAsync(connectionString))));

        Assert.Equal(AllMigrations(), await AppliedMigrationsAsync(connectionString));
        Assert.Equal(before, await ReadRowsAsync(connectionString, columns));
    }

    [Fact]
    public async Task MigratingAgainChangesNothing()
    {
        var server = await PostgresServer.GetAsync();
        var connectionString = await server.CreateDatabaseAsync();
        await BuildWithLegacySqlAsync(connectionString);
        await MigrateAsync(connectionString);
        var schema = await DescribeSchemaAsync(connectionString);

        await MigrateAsync(connectionString);

        Assert.Equal(AllMigrations(), await AppliedMigrationsAsync(connectionString));
        Assert.Equal(schema, await DescribeSchemaAsync(connectionString));
    }

    [Fact]
    public async Task ADatabaseTheSqlMigrationsLeftHalfBuiltIsRefused()
    {
        var server = await PostgresServer.GetAsync();
        var connectionString = await server.CreateDatabaseAsync();
        await BuildWithLegacySqlAsync(connectionString, upTo: "0002_workspace_roles");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => MigrateAsync(connectionString));

        Assert.Contains("0001_initial, 0002_workspace_roles", error.Message);
        Assert.Equal([null], await ColumnAsync(connectionString, """SELECT to_regclass('"__EFMigrationsHistory"')::text"""));
    }

    static FileApiDb Context(string connectionString) =>
        new(new DbContextOptionsBuilder<FileApiDb>().UseNpgsql(connectionString).Options);

    static async Task MigrateAsync(string connectionString)
    {
        await using var db = Context(connectionString);
        await db.ApplyMigrationsAsync(NullLogger.Instance, CancellationToken.None);
    }

    static List<string?> AllMigrations()
    {
        using var db = Context("Host=127.0.0.1;Database=never_opened");
        return db.Database.GetMigrations().ToList<string?>();
    }

    static async Task<List<string?>> AppliedMigrationsAsync(string connectionString) =>
        await ColumnAsync(connectionString, """SELECT "MigrationId" FROM "__EFMigrationsHistory" ORDER BY 1""");

    /// <summary>What the SQL migrator of earlier releases did: each file in order, recorded in schema_migrations.</summary>
    static async Task BuildWithLegacySqlAsync(string connectionString, string upTo = "0003_file_lifecycle")
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await ExecuteAsync(dataSource, """
            CREATE TABLE schema_migrations (id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
            """);
        foreach (var file in Directory.GetFiles(LegacySqlFolder, "*.sql").Order(StringComparer.Ordinal))
        {
            var id = Path.GetFileNameWithoutExtension(file);
            if (string.CompareOrdinal(id, upTo) > 0)
                break;
            var sql = (await File.ReadAllTextAsync(file)).ReplaceLineEndings("\n");
            await ExecuteAsync(dataSource, sql);
            var checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql)));
            await ExecuteAsync(dataSource, $"INSERT INTO schema_migrations (id, checksum) VALUES ('{id}', '{checksum}')");
        }
    }

    static readonly Dictionary<string, int> LegacyRowCounts = new()
    {
        ["organizations"] = 1, ["workspaces"] = 2, ["workspace_members"] = 3, ["organization_admins"] = 1,
        ["files"] = 3, ["file_versions"] = 5, ["schema_migrations"] = 3,
    };

    /// <summary>Rows in every table, with every optional column filled somewhere and a version in every status.</summary>
    static async Task InsertOneOfEverythingAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await ExecuteAsync(dataSource, """
            INSERT INTO organizations (id, name, created_at) VALUES ('00000000-0000-0000-0000-0000000000a1', 'Contoso', '2026-01-02T03:04:05.123456Z');
            INSERT INTO workspaces (id, organization_id, name, created_at) VALUES
              ('00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-0000000000a1', 'Design', '2026-01-02T03:05:00Z'),
              ('00000000-0000-0000-0000-0000000000b2', '00000000-0000-0000-0000-0000000000a1', 'Finance', '2026-01-02T03:06:00Z');
            INSERT INTO organization_admins (organization_id, tenant_id, user_id, granted_at) VALUES
              ('00000000-0000-0000-0000-0000000000a1', 'tenant-1', 'user-owner', '2026-01-02T03:04:05Z');
            INSERT INTO workspace_members (workspace_id, tenant_id, user_id, role, name, email, granted_at, granted_by_id) VALUES
              ('00000000-0000-0000-0000-0000000000b1', 'tenant-1', 'user-owner', 'owner', 'Olga Owner', 'olga@example.com', '2026-01-02T03:05:00Z', 'user-owner'),
              ('00000000-0000-0000-0000-0000000000b1', 'tenant-1', 'user-editor', 'editor', NULL, NULL, '2026-01-03T00:00:00Z', 'user-owner'),
              ('00000000-0000-0000-0000-0000000000b2', 'tenant-1', 'user-viewer', 'viewer', 'Vic Viewer', NULL, '2026-01-04T00:00:00Z', 'user-owner');
            INSERT INTO files (id, workspace_id, folder, name, path_key, latest_version_id, created_at, created_by_id, created_by_name, created_by_email,
                               deleted_at, deleted_by_id, deleted_by_name, deleted_by_email, current_version_id, current_size, modified_at) VALUES
              ('00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-0000000000b1', '/plans/', 'Floor.pdf', '/plans/floor.pdf', 3,
               '2026-02-01T00:00:00Z', 'user-owner', 'Olga Owner', 'olga@example.com', NULL, NULL, NULL, NULL, 2, 2048, '2026-02-02T00:00:00Z'),
              ('00000000-0000-0000-0000-0000000000c2', '00000000-0000-0000-0000-0000000000b1', '/', 'Ünïcode Notes.txt', '/ünïcode notes.txt', 1,
               '2026-02-03T00:00:00Z', 'user-editor', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
              ('00000000-0000-0000-0000-0000000000c3', '00000000-0000-0000-0000-0000000000b1', '/plans/', 'Floor.pdf', '/plans/floor.pdf', 1,
               '2026-01-15T00:00:00Z', 'user-owner', NULL, NULL, '2026-01-20T00:00:00Z', 'user-editor', 'Ed Editor', 'ed@example.com', 1, 10, '2026-01-15T00:00:00Z');
            INSERT INTO file_versions (file_id, version_id, status, created_at, created_by_id, created_by_name, created_by_email, upload_expires_at,
                                       size, etag, ready_at, failure_reason, declared_size, declared_md5, declared_sha256, verified,
                                       blob_version_id, verification_started_at, last_checked_at) VALUES
              ('00000000-0000-0000-0000-0000000000c1', 1, 'Failed', '2026-02-01T00:00:00Z', 'user-owner', 'Olga Owner', 'olga@example.com', '2026-02-01T00:30:00Z',
               NULL, NULL, NULL, 'The uploaded blob is 12 bytes; 2048 were declared.', 2048, NULL, NULL, NULL, NULL, NULL, '2026-02-01T00:31:00Z'),
              ('00000000-0000-0000-0000-0000000000c1', 2, 'Ready', '2026-02-02T00:00:00Z', 'user-owner', NULL, NULL, '2026-02-02T00:30:00Z',
               2048, '"0x8DD1"', '2026-02-02T00:01:00Z', NULL, 2048, '1B2M2Y8AsgTpgAmY7PhCfg==', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
               'size,md5,sha256', '2026-02-02T00:01:00.0000000Z', '2026-02-02T00:00:50Z', NULL),
              ('00000000-0000-0000-0000-0000000000c1', 3, 'Uploading', '2026-02-05T00:00:00Z', 'user-editor', NULL, NULL, '2026-02-05T00:30:00Z',
               NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2026-02-05T00:10:00Z'),
              ('00000000-0000-0000-0000-0000000000c2', 1, 'Uploading', '2026-02-03T00:00:00Z', 'user-editor', NULL, NULL, '2026-02-03T00:30:00Z',
               NULL, NULL, NULL, NULL, 5, NULL, NULL, NULL, NULL, NULL, NULL),
              ('00000000-0000-0000-0000-0000000000c3', 1, 'Ready', '2026-01-15T00:00:00Z', 'user-owner', NULL, NULL, '2026-01-15T00:30:00Z',
               10, '"0x8DC9"', '2026-01-15T00:01:00Z', NULL, NULL, NULL, NULL, 'size', NULL, NULL, NULL);
            """);
    }

    /// <summary>The columns of every table, in order.</summary>
    static async Task<Dictionary<string, List<string>>> ColumnsByTableAsync(string connectionString)
    {
        var columns = new Dictionary<string, List<string>>();
        foreach (var column in await ColumnAsync(connectionString, """
            SELECT table_name || '.' || column_name FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name <> '__EFMigrationsHistory' ORDER BY table_name, ordinal_position
            """))
        {
            var (table, name) = (column!.Split('.')[0], column.Split('.')[1]);
            (columns.TryGetValue(table, out var names) ? names : columns[table] = []).Add(name);
        }
        return columns;
    }

    /// <summary>Columns that later migrations renamed: the same data under its new name.</summary>
    static readonly Dictionary<string, string> RenamedColumns = new() { ["file_versions.verification_started_at"] = "verification_claimed_at" };

    /// <summary>Every row of the given tables as PostgreSQL prints it, read by the given columns (later migrations may add more).</summary>
    static async Task<Dictionary<string, List<string?>>> ReadRowsAsync(string connectionString, Dictionary<string, List<string>> columns)
    {
        var existing = await ColumnsByTableAsync(connectionString);
        var rows = new Dictionary<string, List<string?>>();
        foreach (var (table, names) in columns)
        {
            var current = names.Select(n => existing[table].Contains(n) ? n : RenamedColumns[$"{table}.{n}"]);
            rows[table] = await ColumnAsync(connectionString, $"SELECT row({string.Join(", ", current.Select(n => $"\"{n}\""))})::text FROM \"{table}\" ORDER BY 1");
        }
        return rows;
    }

    /// <summary>Tables, columns, constraints and indexes as PostgreSQL itself describes them.</summary>
    static async Task<List<string?>> DescribeSchemaAsync(string connectionString)
    {
        return await ColumnAsync(connectionString, """
            SELECT 'column ' || c.table_name || '.' || c.column_name || ' ' || c.data_type
                   || coalesce('(' || c.character_maximum_length || ')', '') || ' null=' || c.is_nullable
                   || ' collation=' || coalesce(c.collation_name, '') || ' default=' || coalesce(c.column_default, '')
              FROM information_schema.columns c
             WHERE c.table_schema = 'public' AND c.table_name NOT IN ('schema_migrations', '__EFMigrationsHistory')
            UNION ALL
            SELECT 'constraint ' || con.conrelid::regclass || ' ' || con.conname || ' ' || pg_get_constraintdef(con.oid)
              FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
             WHERE n.nspname = 'public' AND con.conrelid::regclass::text NOT IN ('schema_migrations', '"__EFMigrationsHistory"')
            UNION ALL
            SELECT 'index ' || indexdef FROM pg_indexes
             WHERE schemaname = 'public' AND tablename NOT IN ('schema_migrations', '__EFMigrationsHistory')
            ORDER BY 1
            """);
    }

    static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    static async Task<List<string?>> ColumnAsync(string connectionString, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string?>();
        while (await reader.ReadAsync())
            values.Add(reader.IsDBNull(0) ? null : reader.GetValue(0).ToString());
        return values;
    }
}
