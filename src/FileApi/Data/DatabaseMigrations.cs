using FileApi.Data.Providers;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace FileApi.Data;

/// <summary>
/// Applies the EF Core migrations in <c>migrations/PostgreSql/</c>, first adopting a database that the
/// hand-written SQL migrations of earlier releases created (their <c>schema_migrations</c> table).
/// </summary>
public static class DatabaseMigrations
{
    /// <summary>What the SQL migrations of earlier releases recorded; the initial EF migration creates exactly that schema.</summary>
    public static readonly IReadOnlyList<string> LegacySqlMigrationIds = ["0001_initial", "0002_workspace_roles", "0003_file_lifecycle"];

    public static async Task ApplyMigrationsAsync(this FileApiDb db, ILogger logger, CancellationToken cancellationToken)
    {
        // EF Core's own migration lock is a table lock per migration transaction, so two instances starting together
        // can interleave once there are several migrations; one session lock held for the whole run serialises them.
        var adoption = db.Database.MigrationAdoption();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await adoption.LockSessionAsync(db, cancellationToken);
            await AdoptLegacySchemaAsync(db, adoption, logger, cancellationToken);
            await db.Database.MigrateAsync(cancellationToken);
        }
        finally
        {
            await adoption.UnlockSessionAsync(db);
            await db.Database.CloseConnectionAsync();
        }
        logger.LogInformation("Database schema is up to date ({Count} migrations)", db.Database.GetMigrations().Count());
    }

    /// <summary>
    /// Records the initial migration as applied, instead of running it, on a database whose schema the SQL
    /// migrations already built. The old <c>schema_migrations</c> table stays, so an earlier release still starts.
    /// </summary>
    static async Task AdoptLegacySchemaAsync(FileApiDb db, IMigrationAdoption adoption, ILogger logger, CancellationToken cancellationToken)
    {
        var history = db.GetService<IHistoryRepository>();
        var initialMigration = db.Database.GetMigrations().First();

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Two instances adopting at once would otherwise both insert the history row.
        await adoption.LockAsync(db, cancellationToken);
        await db.Database.ExecuteSqlRawAsync(history.GetCreateIfNotExistsScript(), cancellationToken);

        var builtBySql = await adoption.LegacySchemaExistsAsync(db, cancellationToken);
        var adopted = (await history.GetAppliedMigrationsAsync(cancellationToken)).Any(row => row.MigrationId == initialMigration);
        if (builtBySql && !adopted)
        {
            var applied = await db.Database.SqlQuery<string>($"SELECT id AS \"Value\" FROM schema_migrations ORDER BY id").ToListAsync(cancellationToken);
            if (!applied.SequenceEqual(LegacySqlMigrationIds))
                throw new InvalidOperationException(
                    $"This database was built by the SQL migrations of an earlier release, which applied [{string.Join(", ", applied)}] " +
                    $"rather than [{string.Join(", ", LegacySqlMigrationIds)}]. Run `FileApi migrate` of the last release before EF Core migrations first.");

            await db.Database.ExecuteSqlRawAsync(history.GetInsertScript(new HistoryRow(initialMigration, ProductInfo.GetVersion())), cancellationToken);
            logger.LogInformation("Adopted the schema of the SQL migrations {LegacyMigrations} as migration {Migration}", applied, initialMigration);
        }
        await transaction.CommitAsync(cancellationToken);
    }
}
