// Everything that differs between PostgreSQL and SQL Server lives in this folder: one small interface per
// concern, one implementation per provider. Code elsewhere issues LINQ, or asks these for the SQL it cannot say in LINQ.
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace FileApi.Data.Providers;

/// <summary>The database engine behind <see cref="FileApiDb"/>, chosen by <c>Database:Provider</c>.</summary>
public enum DatabaseProvider
{
    PostgreSql,
    SqlServer,
}

public static class DatabaseProviders
{
    /// <summary>
    /// Configures EF Core and the provider's services; the connection string signs in by itself on SQL Server (Entra via <c>Authentication=</c>).
    /// Contexts are pooled: a new context resolved EF's internal services on its first query, a tenth of a poll's CPU.
    /// </summary>
    public static void AddProvider(this IServiceCollection services, DatabaseProvider provider, string connectionString)
    {
        switch (provider)
        {
            case DatabaseProvider.SqlServer:
                services.AddDbContextPool<FileApiDb, SqlServerFileApiDb>(options => options.UseSqlServer(connectionString));
                services.AddSingleton<IReconcilerLock>(new SqlServerReconcilerLock(connectionString));
                services.AddSingleton<IVersionAllocation, SqlServerVersionAllocation>();
                services.AddSingleton<IPathLocks, SqlServerPathLocks>();
                services.AddSingleton<IVersionReadiness, SqlServerVersionReadiness>();
                services.AddSingleton<IWorkspaceUsageCounts, SqlServerWorkspaceUsageCounts>();
                services.AddSingleton<IDatabaseErrors, SqlServerErrors>();
                services.AddSingleton<IVersionWakeups, SqlServerVersionWakeups>();
                services.AddSingleton<IReportedVersions, SqlServerReportedVersions>();
                break;
            default:
                services.AddDbContextPool<FileApiDb>((provided, options) =>
                    options.UseNpgsql(provided.GetRequiredService<Npgsql.NpgsqlDataSource>()));
                services.AddSingleton<IReconcilerLock, PostgreSqlReconcilerLock>();
                services.AddSingleton<IVersionAllocation, PostgreSqlVersionAllocation>();
                services.AddSingleton<IPathLocks, PostgreSqlPathLocks>();
                services.AddSingleton<IVersionReadiness, PostgreSqlVersionReadiness>();
                services.AddSingleton<IWorkspaceUsageCounts, PostgreSqlWorkspaceUsageCounts>();
                services.AddSingleton<IDatabaseErrors, PostgreSqlErrors>();
                services.AddSingleton<IVersionWakeups, PostgreSqlVersionWakeups>();
                services.AddSingleton<IReportedVersions, PostgreSqlReportedVersions>();
                break;
        }
    }

    /// <summary>The migration-adoption statements for the provider the context was configured with.</summary>
    public static IMigrationAdoption MigrationAdoption(this DatabaseFacade database) =>
        database.IsSqlServer() ? new SqlServerMigrationAdoption() : new PostgreSqlMigrationAdoption();
}
