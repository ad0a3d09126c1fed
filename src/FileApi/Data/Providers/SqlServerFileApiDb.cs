using Microsoft.EntityFrameworkCore;

namespace FileApi.Data.Providers;

/// <summary>
/// <see cref="FileApiDb"/> on SQL Server. A context type of its own because EF Core keeps one model snapshot per
/// context type: its migrations live in <c>migrations/SqlServer/</c>, beside PostgreSQL's.
/// </summary>
public sealed class SqlServerFileApiDb(DbContextOptions<SqlServerFileApiDb> options) : FileApiDb(options)
{
    /// <summary>Binary comparison over the case-folded key, as <c>COLLATE "C"</c> on PostgreSQL; UTF-8 keeps a 1024-character key within the index key limit.</summary>
    public const string PathKeyCollation = "Latin1_General_100_BIN2_UTF8";

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.Entity<StoredFile>().Property(f => f.PathKey).IsUnicode(false).UseCollation(PathKeyCollation);
    }
}
