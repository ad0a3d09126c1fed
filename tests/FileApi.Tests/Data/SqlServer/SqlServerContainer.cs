using DotNet.Testcontainers.Builders;
using FileApi.Data;
using FileApi.Data.Providers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Testcontainers.MsSql;

namespace FileApi.Tests.Data.SqlServer;

/// <summary>A fact that needs SQL Server, which Testcontainers starts in Docker; skipped, with the reason, where no Docker engine answers.</summary>
public sealed class SqlServerFactAttribute : FactAttribute
{
    public SqlServerFactAttribute()
    {
        if (SqlServerContainer.DockerUnavailableReason.Value is { } reason)
            Skip = reason;
    }
}

/// <summary>One SQL Server container for the test class, migrated with the SQL Server migrations.</summary>
public sealed class SqlServerContainer : IAsyncLifetime
{
    const string Image = "mcr.microsoft.com/mssql/server:2022-latest";

    // Asked once per test run: building a container is what first finds out whether Docker is reachable.
    internal static readonly Lazy<string?> DockerUnavailableReason = new(() =>
    {
        try
        {
            _ = new MsSqlBuilder(Image).Build();
            return null;
        }
        catch (DockerUnavailableException e)
        {
            return $"SQL Server container tests need a Docker engine, and none is reachable here ({e.Message.Split('\n')[0]})";
        }
    });

    MsSqlContainer? container;

    public string ConnectionString => container!.GetConnectionString();

    public async Task InitializeAsync()
    {
        if (DockerUnavailableReason.Value is not null)
            return;
        container = new MsSqlBuilder(Image).Build();
        await container.StartAsync();
        await using var db = CreateContext();
        await db.ApplyMigrationsAsync(NullLogger.Instance, CancellationToken.None);
    }

    public SqlServerFileApiDb CreateContext() =>
        new(new DbContextOptionsBuilder<SqlServerFileApiDb>().UseSqlServer(ConnectionString).Options);

    public async Task DisposeAsync()
    {
        if (container is not null)
            await container.DisposeAsync();
    }
}
