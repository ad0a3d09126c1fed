using FileApi.Tests.Infrastructure;
using Npgsql;

namespace FileApi.Tests.AzureDeployment;

/// <summary>
/// The predeploy hook's database steps (bicep/hooks/database-setup.sql, then `FileApi migrate` as the schema
/// owner) on the test cluster, with roles standing in for Azure's: a group of Entra administrators who may
/// create roles and databases but are not superusers, and the principal pgaadauth makes for the app's identity.
/// </summary>
public sealed class DatabaseSetupTests
{
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..10];

    private string Admins => $"entra_admins_{_suffix}";
    private string Owner => $"fileapi_owner_{_suffix}";
    private string App => $"fileapi_app_{_suffix}";
    private string Database => $"fileapi_{_suffix}";

    [Fact]
    public async Task AnyAdministratorMigratesAsTheSchemaOwnerAndTheAppOnlyReadsAndWritesRows()
    {
        var postgres = await PostgresServer.GetAsync();
        string first = $"first_admin_{_suffix}", second = $"second_admin_{_suffix}";
        await postgres.ExecuteAsync($"""
            CREATE ROLE {Admins} NOLOGIN;
            CREATE ROLE {first} LOGIN CREATEDB CREATEROLE IN ROLE {Admins};
            CREATE ROLE {second} LOGIN CREATEDB CREATEROLE IN ROLE {Admins};
            CREATE ROLE {App} LOGIN;
            """);

        await SetUpAndMigrateAs(postgres, first);
        // Another administrator (say, a colleague deploying later) runs the same steps over what the first made.
        await SetUpAndMigrateAs(postgres, second);

        await using var admin = await OpenAsync(postgres, first);
        Assert.Equal([Owner], await ColumnAsync(admin, "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"));
        await using var app = await OpenAsync(postgres, App);
        var organization = Guid.NewGuid();
        await ExecuteAsync(app, $"INSERT INTO organizations (id, name, created_at) VALUES ('{organization}', 'o', now())");
        await ExecuteAsync(app, $"UPDATE organizations SET name = 'p' WHERE id = '{organization}'");
        Assert.Equal(["p"], await ColumnAsync(app, $"SELECT name FROM organizations WHERE id = '{organization}'"));
        await ExecuteAsync(app, $"DELETE FROM organizations WHERE id = '{organization}'");
        foreach (var ddl in new[] { "CREATE TABLE intruder (id int)", "DROP TABLE organizations", "ALTER TABLE files ADD COLUMN x int" })
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(app, ddl));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        }
    }

    private async Task SetUpAndMigrateAs(PostgresServer postgres, string administrator)
    {
        var server = new NpgsqlConnectionStringBuilder(postgres.ConnectionStringFor(administrator, "postgres"));
        await Processes.RunAsync(Path.Combine(PostgresServer.BinDirectory, "psql"),
        [
            "--host", server.Host!, "--port", server.Port.ToString(), "--username", administrator, "--dbname", "postgres",
            "--set", "ON_ERROR_STOP=1", "--quiet",
            "--set", $"owner_role={Owner}", "--set", $"admins_role={Admins}", "--set", $"app_role={App}", "--set", $"database={Database}",
            "--file", Path.Combine(Repository.Root, "bicep/hooks/database-setup.sql"),
        ]);

        // As the hook runs it, but with a trusted local sign-in rather than az's Entra token.
        var connectionString = $"{postgres.ConnectionStringFor(administrator, Database)};Options='-c role={Owner}'";
        await Processes.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "FileApi.dll"), "migrate"],
            new Dictionary<string, string> { ["ConnectionStrings__FileApi"] = connectionString }, AppContext.BaseDirectory);
    }

    private async Task<NpgsqlConnection> OpenAsync(PostgresServer postgres, string role)
    {
        var connection = new NpgsqlConnection(postgres.ConnectionStringFor(role, Database));
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<string>> ColumnAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
            values.Add(reader.GetString(0));
        return values;
    }
}
