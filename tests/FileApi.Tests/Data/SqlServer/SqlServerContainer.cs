using FileApi.Data;
using FileApi.Data.Providers;
using FileApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;

namespace FileApi.Tests.Data.SqlServer;

/// <summary>A fact that needs SQL Server, which Testcontainers starts in Docker; skipped, with the reason, where no Docker engine answers.</summary>
public sealed class SqlServerFactAttribute : FactAttribute
{
    public SqlServerFactAttribute()
    {
        if (SqlServerServer.DockerUnavailableReason.Value is { } reason)
            Skip = reason;
    }
}

/// <summary>A database of its own on the shared SQL Server for the test class, migrated with the SQL Server migrations.</summary>
public sealed class SqlServerContainer : IAsyncLifetime
{
    string? _connectionString;

    public string ConnectionString => _connectionString ?? throw new InvalidOperationException("SQL Server is not running.");

    public async Task InitializeAsync()
    {
        if (SqlServerServer.DockerUnavailableReason.Value is not null)
            return;
        _connectionString = await (await SqlServerServer.GetAsync()).CreateDatabaseAsync();
        await using var db = CreateContext();
        await db.ApplyMigrationsAsync(NullLogger.Instance, CancellationToken.None);
    }

    public SqlServerFileApiDb CreateContext() =>
        new(new DbContextOptionsBuilder<SqlServerFileApiDb>().UseSqlServer(ConnectionString).Options);

    public Task DisposeAsync() => Task.CompletedTask;
}
