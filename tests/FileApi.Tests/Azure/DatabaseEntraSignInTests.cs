using FileApi.Data;
using FileApi.Tests.Infrastructure;
using Npgsql;

// Not FileApi.Tests.Azure: a namespace named Azure would hide the Azure SDK's from every test namespace beside it.
namespace FileApi.Tests.AzureDeployment;

/// <summary>Database:UseEntraAuthentication against a PostgreSQL role that must present a password.</summary>
public sealed class DatabaseEntraSignInTests
{
    [Fact]
    public async Task WithEntraAuthenticationTheAppsTokenIsThePassword()
    {
        var postgres = await PostgresServer.GetAsync();
        var token = "entra-token-" + Guid.NewGuid().ToString("N");
        var (role, connectionString) = await postgres.CreatePasswordLoginAsync(token);
        var credential = new TestTokenCredential(() => token);

        await using var withoutToken = DataExtensions.CreateDataSource(connectionString, new DatabaseOptions());
        await using var withToken = DataExtensions.CreateDataSource(connectionString, new DatabaseOptions { UseEntraAuthentication = true }, credential);

        // The connection string has no password, and this role must present one.
        await Assert.ThrowsAnyAsync<NpgsqlException>(async () => await withoutToken.OpenConnectionAsync());
        await using var connection = await withToken.OpenConnectionAsync();
        await using var currentUser = new NpgsqlCommand("SELECT current_user", connection);
        Assert.Equal(role, await currentUser.ExecuteScalarAsync());
        Assert.Equal(["https://ossrdbms-aad.database.windows.net/.default"], credential.RequestedScopes.Distinct());
    }
}
