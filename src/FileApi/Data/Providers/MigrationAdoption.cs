using Microsoft.EntityFrameworkCore;

namespace FileApi.Data.Providers;

/// <summary>What adopting a database built by the SQL migrations of earlier releases needs from the engine.</summary>
public interface IMigrationAdoption
{
    /// <summary>Serialises whole migration runs (adoption and every migration) on the context's open connection, until <see cref="UnlockSessionAsync"/>.</summary>
    Task LockSessionAsync(FileApiDb db, CancellationToken ct);

    Task UnlockSessionAsync(FileApiDb db);

    /// <summary>Serialises adopters until the caller's open transaction ends.</summary>
    Task LockAsync(FileApiDb db, CancellationToken ct);

    /// <summary>Whether the earlier releases' <c>schema_migrations</c> table exists.</summary>
    Task<bool> LegacySchemaExistsAsync(FileApiDb db, CancellationToken ct);
}

sealed class PostgreSqlMigrationAdoption : IMigrationAdoption
{
    // The key the SQL migrator of earlier releases locked, so an old instance still starting during a rollout waits as well.
    const long AdoptionLockKey = 0x46696c6541706931; // "FileApi1"

    public async Task LockSessionAsync(FileApiDb db, CancellationToken ct) =>
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({AdoptionLockKey})", ct);

    public async Task UnlockSessionAsync(FileApiDb db) =>
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({AdoptionLockKey})", CancellationToken.None);

    public async Task LockAsync(FileApiDb db, CancellationToken ct) =>
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({AdoptionLockKey})", ct);

    public Task<bool> LegacySchemaExistsAsync(FileApiDb db, CancellationToken ct) =>
        db.Database.SqlQuery<bool>($"SELECT to_regclass('schema_migrations') IS NOT NULL AS \"Value\"").SingleAsync(ct);
}

/// <summary>No release built a SQL Server database without EF Core, so there is never anything to adopt; the lock still serialises.</summary>
sealed class SqlServerMigrationAdoption : IMigrationAdoption
{
    internal const string SessionLockSql = "EXEC sp_getapplock @Resource = N'FileApi.Migrations', @LockMode = 'Exclusive', @LockOwner = 'Session';";
    internal const string SessionUnlockSql = "EXEC sp_releaseapplock @Resource = N'FileApi.Migrations', @LockOwner = 'Session';";
    internal const string LockSql = "EXEC sp_getapplock @Resource = N'FileApi.Adoption', @LockMode = 'Exclusive', @LockOwner = 'Transaction';";
    internal const string LegacySchemaSql = "SELECT CAST(CASE WHEN OBJECT_ID(N'schema_migrations') IS NULL THEN 0 ELSE 1 END AS bit) AS [Value]";

    public async Task LockSessionAsync(FileApiDb db, CancellationToken ct) =>
        await db.Database.ExecuteSqlRawAsync(SessionLockSql, ct);

    public async Task UnlockSessionAsync(FileApiDb db) =>
        await db.Database.ExecuteSqlRawAsync(SessionUnlockSql, CancellationToken.None);

    public async Task LockAsync(FileApiDb db, CancellationToken ct) =>
        await db.Database.ExecuteSqlRawAsync(LockSql, ct);

    public Task<bool> LegacySchemaExistsAsync(FileApiDb db, CancellationToken ct) =>
        db.Database.SqlQueryRaw<bool>(LegacySchemaSql).SingleAsync(ct);
}
