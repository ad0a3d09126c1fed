using FileApi.Data;
using FileApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace FileApi.Tests.Data;

public sealed class MigrationTests
{
    [Fact]
    public async Task MigrationsProduceTheSchemaTheModelExpects()
    {
        var server = await PostgresServer.GetAsync();
        var migrated = await server.CreateDatabaseAsync();
        var fromModel = await server.CreateDatabaseAsync();

        await using (var dataSource = NpgsqlDataSource.Create(migrated))
            await new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None);
        await using (var db = new FileApiDb(new DbContextOptionsBuilder<FileApiDb>().UseNpgsql(fromModel).Options))
            await db.Database.EnsureCreatedAsync();

        var expected = await DescribeSchemaAsync(fromModel);
        var actual = await DescribeSchemaAsync(migrated);

        Assert.NotEmpty(expected);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task MigratingTwiceAtOnceAppliesEachMigrationOnce()
    {
        var server = await PostgresServer.GetAsync();
        var connectionString = await server.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);

        var instances = Enumerable.Range(0, 4)
            .Select(_ => new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance).MigrateAsync(CancellationToken.None));
        await Task.WhenAll(instances);

        await using var count = dataSource.CreateCommand("SELECT count(*) FROM schema_migrations");
        Assert.Equal((long)DatabaseMigrator.All.Count, (long)(await count.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task AnEditedMigrationIsRefused()
    {
        var server = await PostgresServer.GetAsync();
        var connectionString = await server.CreateDatabaseAsync();
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var migrator = new DatabaseMigrator(dataSource, NullLogger<DatabaseMigrator>.Instance);
        await migrator.MigrateAsync(CancellationToken.None);

        await using (var tamper = dataSource.CreateCommand("UPDATE schema_migrations SET checksum = 'edited'"))
            await tamper.ExecuteNonQueryAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => migrator.MigrateAsync(CancellationToken.None));
        Assert.Contains("changed after it was applied", error.Message);
    }

    /// <summary>Tables, columns, constraints and indexes as PostgreSQL itself describes them.</summary>
    static async Task<List<string>> DescribeSchemaAsync(string connectionString)
    {
        const string sql = """
            SELECT 'column ' || c.table_name || '.' || c.column_name || ' ' || c.data_type
                   || coalesce('(' || c.character_maximum_length || ')', '') || ' null=' || c.is_nullable
                   || ' default=' || coalesce(c.column_default, '')
              FROM information_schema.columns c
             WHERE c.table_schema = 'public' AND c.table_name <> 'schema_migrations'
            UNION ALL
            SELECT 'constraint ' || con.conrelid::regclass || ' ' || con.conname || ' ' || pg_get_constraintdef(con.oid)
              FROM pg_constraint con JOIN pg_namespace n ON n.oid = con.connamespace
             WHERE n.nspname = 'public' AND con.conrelid::regclass::text <> 'schema_migrations'
            UNION ALL
            SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> 'schema_migrations'
            ORDER BY 1
            """;
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
            rows.Add(reader.GetString(0));
        return rows;
    }
}
