using FileApi.Auth;
using FileApi.Data;
using FileApi.Data.Providers;
using FileApi.Files;
using FileApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FileApi.Tests.Data;

/// <summary>
/// Planning is most of what the hot statements cost PostgreSQL, and a planned statement locks every index of its tables
/// (twenty relations for the poll, past PostgreSQL's sixteen fast-path locks), so the app's data source prepares a
/// statement once it has run five times on a connection (Npgsql's Auto Prepare Min Usages), unless its connection
/// string says otherwise.
/// </summary>
public sealed class PreparedStatementTests(FileApiFactory factory) : IClassFixture<FileApiFactory>
{
    const string Marker = "prepared-statement-test";

    [Fact]
    public async Task AStatementTheAppsDataSourceRunsRepeatedlyOnAConnectionIsPreparedOnTheServer()
    {
        await using var connection = await factory.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();

        await RunSixTimesAsync(connection);

        Assert.Equal(1L, await PreparedCountAsync(connection));
    }

    [Fact]
    public async Task AConnectionStringThatTurnsAutomaticPreparationOffIsObeyed()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(factory.ConnectionString) { MaxAutoPrepare = 0 }.ConnectionString;
        await using var dataSource = DataExtensions.CreateDataSource(connectionString, new DatabaseOptions());
        await using var connection = await dataSource.OpenConnectionAsync();

        await RunSixTimesAsync(connection);

        Assert.Equal(0L, await PreparedCountAsync(connection));
    }

    [Fact]
    public async Task ARegistrationsFileOrFolderCheckReadsThePathIndexEvenInThePreparedStatementsGenericPlan()
    {
        var workspaceId = factory.WorkspaceId;
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<FileApiDb>();
        // Enough live files that a scan of the table costs more than the index, as in any workspace in use.
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO files (id, workspace_id, folder, name, path_key, latest_version_id, created_at, created_by_id)
            SELECT gen_random_uuid(), {workspaceId}, '/generic-plan/', 'f' || n, 'generic-plan/f' || n, 1000, now(), 'seed'
              FROM generate_series(1, 20000) AS n
            """);
        await db.Database.ExecuteSqlRawAsync("ANALYZE files");

        await using var transaction = await db.Database.BeginTransactionAsync();
        // From its first prepared run on, as PostgreSQL picks once a prepared statement's custom plans cost no less.
        await db.Database.ExecuteSqlRawAsync("SET LOCAL plan_cache_mode = force_generic_plan");
        // Counts this session has not reported yet are in the view too, so only the change counts.
        var scansBefore = await SequentialScansOfFilesAsync(db);
        var allocation = scope.ServiceProvider.GetRequiredService<IVersionAllocation>();
        var caller = new CallerIdentity("generic-plan", null, "Generic Plan", null, IsApplication: false, Roles: []);
        for (var i = 0; i < 8; i++)
        {
            Assert.True(FilePath.TryParse($"/generic-plan/new/{i}.bin", out var path, out _));
            var version = new NewVersion(workspaceId, caller, new RegisterRequest(), DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddMinutes(30));
            Assert.NotNull(await allocation.AtPathAsync(db, PathClaim.For(workspaceId, path), version, CancellationToken.None));
        }

        Assert.Equal(scansBefore, await SequentialScansOfFilesAsync(db));
    }

    static Task<long> SequentialScansOfFilesAsync(FileApiDb db) =>
        db.Database.SqlQueryRaw<long>("SELECT seq_scan AS \"Value\" FROM pg_stat_xact_user_tables WHERE relname = 'files'").SingleAsync();

    static async Task RunSixTimesAsync(NpgsqlConnection connection)
    {
        for (var run = 0; run < 6; run++)
        {
            await using var command = new NpgsqlCommand($"SELECT count(*) FROM files WHERE name = @name /* {Marker} */", connection);
            command.Parameters.AddWithValue("name", $"run-{run}");
            await command.ExecuteScalarAsync();
        }
    }

    static async Task<long> PreparedCountAsync(NpgsqlConnection connection)
    {
        await using var prepared = new NpgsqlCommand(
            $"SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%{Marker}%' AND statement NOT LIKE '%pg_prepared_statements%'", connection);
        return (long)(await prepared.ExecuteScalarAsync())!;
    }
}
