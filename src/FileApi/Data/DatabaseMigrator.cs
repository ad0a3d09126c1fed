using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace FileApi.Data;

/// <summary>
/// Applies the hand-written SQL migrations in <c>migrations/</c> (embedded in this assembly).
/// EF's design-time package is not in our package source, so there are no generated migrations;
/// a test proves the resulting schema is exactly what the EF model expects.
/// </summary>
public sealed class DatabaseMigrator(NpgsqlDataSource dataSource, ILogger<DatabaseMigrator> logger)
{
    // Any constant works; it only has to be the same for every instance of this service.
    const long MigrationLockKey = 0x46696c6541706931; // "FileApi1"

    public static IReadOnlyList<Migration> All { get; } = LoadEmbeddedMigrations();

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Serialises instances that start together: the second waits here, then finds nothing to do.
        await ExecuteAsync(connection, transaction, $"SELECT pg_advisory_xact_lock({MigrationLockKey})", cancellationToken);
        await ExecuteAsync(connection, transaction, """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                id text PRIMARY KEY,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now())
            """, cancellationToken);

        var applied = new Dictionary<string, string>();
        await using (var select = new NpgsqlCommand("SELECT id, checksum FROM schema_migrations", connection, transaction))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                applied[reader.GetString(0)] = reader.GetString(1);
        }

        foreach (var migration in All)
        {
            if (applied.TryGetValue(migration.Id, out var checksum))
            {
                if (checksum != migration.Checksum)
                    throw new InvalidOperationException($"Migration {migration.Id} was changed after it was applied. Add a new migration instead of editing an applied one.");
                continue;
            }

            logger.LogInformation("Applying migration {MigrationId}", migration.Id);
            await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken);
            await using var record = new NpgsqlCommand("INSERT INTO schema_migrations (id, checksum) VALUES ($1, $2)", connection, transaction)
            {
                Parameters = { new() { Value = migration.Id }, new() { Value = migration.Checksum } },
            };
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Database schema is up to date ({Count} migrations)", All.Count);
    }

    static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    static List<Migration> LoadEmbeddedMigrations()
    {
        var assembly = Assembly.GetExecutingAssembly();
        const string prefix = "migrations/";
        return assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(prefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(name =>
            {
                using var stream = assembly.GetManifestResourceStream(name)!;
                using var reader = new StreamReader(stream);
                var sql = reader.ReadToEnd().ReplaceLineEndings("\n");
                var checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql)));
                return new Migration(Path.GetFileNameWithoutExtension(name[prefix.Length..]), sql, checksum);
            })
            .ToList();
    }

    public sealed record Migration(string Id, string Sql, string Checksum);
}
