using FileApi.Data;
using FileApi.Tests.Infrastructure;
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
