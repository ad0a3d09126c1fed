using Microsoft.EntityFrameworkCore;

namespace FileApi.Data.Providers;

/// <summary>
/// <see cref="FileApiDb"/> on SQL Server. A context type of its own because EF Core keeps one model snapshot per
/// context type: its migrations live in <c>migrations/SqlServer/</c>, beside PostgreSQL's.
/// </summary>
public sealed class SqlServerFileApiDb(DbContextOptions<SqlServerFileApiDb> options) : FileApiDb(options)
{
    /// <summary>Binary comparison over the case-folded key, as <c>COLLATE "C"</c> on PostgreSQL (code point order, which UTF-8 byte order is).</summary>
    public const string PathKeyCollation = "Latin1_General_100_BIN2_UTF8";

    /// <summary>
    /// Bytes, not characters, in a UTF-8 varchar: the most that fits the 1,700-byte key of <c>ux_files_live_path</c> beside
    /// the workspace id. Every ASCII path of 1,024 characters fits; a longer one in UTF-8 is refused as too long (400).
    /// </summary>
    public const int PathKeyBytes = 1700 - 16;

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.Entity<StoredFile>().Property(f => f.PathKey).IsUnicode(false).HasMaxLength(PathKeyBytes).UseCollation(PathKeyCollation);
    }
}
