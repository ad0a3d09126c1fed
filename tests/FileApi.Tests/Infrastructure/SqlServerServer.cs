using DotNet.Testcontainers.Builders;
using FileApi.Data.Providers;
using Microsoft.Data.SqlClient;
using Testcontainers.MsSql;

namespace FileApi.Tests.Infrastructure;

/// <summary>
/// One SQL Server (Testcontainers.MsSql, in Docker) for the whole test run, with a database per test class, as
/// <see cref="PostgresServer"/> does for PostgreSQL. Where no Docker engine answers, <see cref="DockerUnavailableReason"/>
/// says so and the SQL Server classes are reported as skipped with it (see <see cref="SqlServerSuiteAttribute"/>).
/// </summary>
public sealed class SqlServerServer
{
    const string Image = "mcr.microsoft.com/mssql/server:2022-latest";

    /// <summary>Asked once per run: building a container is what finds out whether Docker is reachable (about 0.6 s when it is not).</summary>
    public static readonly Lazy<string?> DockerUnavailableReason = new(() =>
    {
        try
        {
            _ = new MsSqlBuilder(Image).Build();
            return null;
        }
        catch (DockerUnavailableException e)
        {
            return $"SQL Server container tests need a Docker engine, and none is reachable here ({e.Message.Split('\n')[0].TrimEnd('.')}).";
        }
    });

    static readonly Lazy<Task<SqlServerServer>> Shared = new(StartAsync);

    readonly MsSqlContainer _container;

    SqlServerServer(MsSqlContainer container) => _container = container;

    public static Task<SqlServerServer> GetAsync() => Shared.Value;

    /// <summary>
    /// A new, empty database. Read committed snapshot is on, as it is on every Azure SQL Database, so readers do not
    /// wait on writers: the locking the app relies on is its own (row updates, application locks). Its default collation
    /// is UTF-8, as bicep makes Azure's: SqlClient encodes varchar parameters (path keys) in it.
    /// </summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "fileapi_" + Guid.NewGuid().ToString("N")[..16];
        await using (var connection = new SqlConnection(_container.GetConnectionString()))
        {
            await connection.OpenAsync();
            await using var create = new SqlCommand($"CREATE DATABASE [{name}] COLLATE {SqlServerFileApiDb.DatabaseCollation}; ALTER DATABASE [{name}] SET READ_COMMITTED_SNAPSHOT ON;", connection);
            await create.ExecuteNonQueryAsync();
        }
        return new SqlConnectionStringBuilder(_container.GetConnectionString()) { InitialCatalog = name }.ConnectionString;
    }

    static async Task<SqlServerServer> StartAsync()
    {
        if (DockerUnavailableReason.Value is { } reason)
            throw new InvalidOperationException(reason);
        // Testcontainers' Ryuk removes the container when this process ends, however it ends.
        var container = new MsSqlBuilder(Image).Build();
        await container.StartAsync();
        return new SqlServerServer(container);
    }
}

/// <summary>
/// Marks a test class that runs against SQL Server: where Docker is unreachable, <see cref="ProviderTestFramework"/>
/// reports each of its tests as skipped, with <see cref="SqlServerServer.DockerUnavailableReason"/>, before any runs.
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class SqlServerSuiteAttribute : Attribute;
