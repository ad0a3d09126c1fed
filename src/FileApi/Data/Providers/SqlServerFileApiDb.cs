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
    /// The database's default collation (bicep, the test container): SqlClient encodes varchar parameters and T-SQL
    /// variables hold them in it, so only a UTF-8 one carries every path key unchanged.
    /// </summary>
    public const string DatabaseCollation = "Latin1_General_100_CI_AS_SC_UTF8";

    /// <summary>
    /// Bytes, not characters, in a UTF-8 varchar: the most that fits SQL Server's 1,700-byte index key beside two ids
    /// (<c>ix_files_folder</c>: workspace, folder key and name key, whose bytes add up to the path key's, file id). Every
    /// ASCII path of 1,024 characters fits; a longer one in UTF-8 is refused as too long (400).
    /// </summary>
    public const int PathKeyBytes = 1700 - 16 - 16;

    /// <summary>The shadow column holding path_key's last segment (<see cref="FolderKeys.SqlServerName"/>), which the folder view orders a folder's files by.</summary>
    public const string NameKey = "NameKey";

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        var file = modelBuilder.Entity<StoredFile>();
        file.Property(f => f.PathKey).IsUnicode(false).HasMaxLength(PathKeyBytes).UseCollation(PathKeyCollation);

        // Both keys inherit path_key's collation. An index on folder key then path key could need twice the path's bytes,
        // past the 1,700-byte limit, so a folder's files are ordered by their name key, which is the same order within one folder.
        file.Property(f => f.FolderKey).IsUnicode(false).HasMaxLength(PathKeyBytes).UseCollation(null)
            .HasComputedColumnSql(FolderKeys.SqlServer, stored: true);
        file.Property<string>(NameKey).HasColumnName("name_key").IsRequired().IsUnicode(false).HasMaxLength(PathKeyBytes)
            .HasComputedColumnSql(FolderKeys.SqlServerName, stored: true);

        // Not filtered (the live conditions are included columns, checked in the index), so that it does not depend on
        // how SQL Server's filtered indexes treat computed columns.
        file.Metadata.RemoveIndex(file.Metadata.GetIndexes().Single(i => i.GetDatabaseName() == "ix_files_live_folder"));
        var folderIndex = file.HasIndex(nameof(StoredFile.WorkspaceId), nameof(StoredFile.FolderKey), NameKey, nameof(StoredFile.Id))
            .HasDatabaseName("ix_files_folder");
        SqlServerIndexBuilderExtensions.IncludeProperties(folderIndex, nameof(StoredFile.DeletedAt), nameof(StoredFile.CurrentVersionId));
    }
}
