using System.Net;
using FileApi.Http;
using FileApi.Tests.Infrastructure;
using Npgsql;

namespace FileApi.Tests.Http;

/// <summary>The API reaching its PostgreSQL database and Azurite through relays that a test can cut and restore.</summary>
public sealed class RelayedServicesFactory : FileApiFactory, IAsyncLifetime
{
    public RelayedServicesFactory() =>
        Database = new TcpRelay(() => new DnsEndPoint(Connection.Host!, Connection.Port));

    public TcpRelay Database { get; }

    public TcpRelay Storage { get; } = new(() => new DnsEndPoint("127.0.0.1", AzuriteServer.Instance.Port));

    NpgsqlConnectionStringBuilder Connection => new(ConnectionString);

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings =>
    [
        new("ConnectionStrings:FileApi", new NpgsqlConnectionStringBuilder(ConnectionString) { Host = "127.0.0.1", Port = Database.Port }.ConnectionString),
        new("Storage:ServiceUri", $"http://127.0.0.1:{Storage.Port}/{AzuriteServer.EmulatorAccountName}"),
    ];

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Database.Dispose();
        Storage.Dispose();
    }
}

public sealed class HealthProbeTests(RelayedServicesFactory factory) : IClassFixture<RelayedServicesFactory>
{
    // Connections pooled before an outage fail once each on first use after it; a few probes use them all up.
    const int ProbesToRecover = 30;

    [Fact]
    public async Task ReadyIs503WhilePostgresIsDownAnd200OnceItIsBackWhileLiveStays200()
    {
        Assert.Equal(HttpStatusCode.OK, await ProbeAsync(HealthChecks.ReadyPath));

        factory.Database.Cut();
        try
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await ProbeAsync(HealthChecks.ReadyPath));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await ProbeAsync(HealthChecks.LegacyPath));
            Assert.Equal(HttpStatusCode.OK, await ProbeAsync(HealthChecks.LivePath));
        }
        finally
        {
            factory.Database.Restore();
        }

        Assert.True(await BecomesReadyAsync(), $"{HealthChecks.ReadyPath} stayed 503 after PostgreSQL came back");
        Assert.Equal(HttpStatusCode.OK, await ProbeAsync(HealthChecks.LivePath));
    }

    [Fact]
    public async Task ReadyIs503WhileBlobStorageIsDownAnd200OnceItIsBackWhileLiveStays200()
    {
        Assert.Equal(HttpStatusCode.OK, await ProbeAsync(HealthChecks.ReadyPath));

        factory.Storage.Cut();
        try
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await ProbeAsync(HealthChecks.ReadyPath));
            Assert.Equal(HttpStatusCode.OK, await ProbeAsync(HealthChecks.LivePath));
        }
        finally
        {
            factory.Storage.Restore();
        }

        Assert.True(await BecomesReadyAsync(), $"{HealthChecks.ReadyPath} stayed 503 after Azurite came back");
    }

    [Fact]
    public async Task ReadyIs503WhileAMigrationIsNotApplied()
    {
        await using var database = new NpgsqlConnection(factory.ConnectionString);
        await database.OpenAsync();
        string migration, productVersion;
        await using (var remove = new NpgsqlCommand(
            "DELETE FROM \"__EFMigrationsHistory\" WHERE \"MigrationId\" = (SELECT max(\"MigrationId\") FROM \"__EFMigrationsHistory\") RETURNING \"MigrationId\", \"ProductVersion\"", database))
        await using (var removed = await remove.ExecuteReaderAsync())
        {
            Assert.True(await removed.ReadAsync());
            (migration, productVersion) = (removed.GetString(0), removed.GetString(1));
        }
        try
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await ProbeAsync(HealthChecks.ReadyPath));
            Assert.Equal(HttpStatusCode.OK, await ProbeAsync(HealthChecks.LivePath));
        }
        finally
        {
            await using var putBack = new NpgsqlCommand("INSERT INTO \"__EFMigrationsHistory\" (\"MigrationId\", \"ProductVersion\") VALUES (@id, @version)", database);
            putBack.Parameters.AddWithValue("id", migration);
            putBack.Parameters.AddWithValue("version", productVersion);
            await putBack.ExecuteNonQueryAsync();
        }

        Assert.Equal(HttpStatusCode.OK, await ProbeAsync(HealthChecks.ReadyPath));
    }

    async Task<HttpStatusCode> ProbeAsync(string path)
    {
        using var response = await factory.CreateClient().GetAsync(path);
        return response.StatusCode;
    }

    async Task<bool> BecomesReadyAsync()
    {
        for (var probe = 0; probe < ProbesToRecover; probe++)
        {
            if (await ProbeAsync(HealthChecks.ReadyPath) == HttpStatusCode.OK)
                return true;
        }
        return false;
    }
}
