using System.Data;
using System.Text.Json;
using FileApi.Files;
using Microsoft.Data.SqlClient;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace FileApi.Data.Providers;

/// <summary>One folder of one workspace: <see cref="Prefix"/> is its key prefix ("a/b/"), "" for the root.</summary>
public sealed record FolderScope(Guid WorkspaceId, string Prefix);

/// <summary>An immediate subfolder, as the first of its live, ready files (in key order) spells it: its folder key and display folder.</summary>
public sealed record SubfolderRow(string FolderKey, string Folder);

/// <summary>
/// The statements of the folder view (<see cref="Files.FolderListing"/>) that LINQ cannot say with the same cost: the skip
/// scan that seeks once per subfolder past everything under the previous one, the per-subfolder range counts in one
/// round trip, and a folder's own files in an order its index delivers. Each runs on the folder index over live, ready files.
/// </summary>
public interface IFolderView
{
    Task<long> CountSubfoldersAsync(FileApiDb db, FolderScope folder, CancellationToken ct);

    /// <summary>Subfolders whose key is at or after <paramref name="from"/>, skipping <paramref name="skip"/>, at most <paramref name="take"/>.</summary>
    Task<List<SubfolderRow>> SubfoldersAsync(FileApiDb db, FolderScope folder, string from, long skip, int take, CancellationToken ct);

    /// <summary>Live, ready files anywhere under each of <paramref name="folderKeys"/>, in their order.</summary>
    Task<long[]> FileCountsAsync(FileApiDb db, Guid workspaceId, IReadOnlyList<string> folderKeys, CancellationToken ct);

    /// <summary>The folder's own live, ready files in path order, after a cursor's (path key, id); not yet run, so it can be paged.</summary>
    IQueryable<StoredFile> OwnFiles(FileApiDb db, FolderScope folder, (string Key, Guid Id)? after);
}

public static class FolderViews
{
    public static IFolderView FolderView(this Microsoft.EntityFrameworkCore.Infrastructure.DatabaseFacade database) =>
        database.IsSqlServer() ? SqlServerFolderView.Instance : PostgreSqlFolderView.Instance;

    internal static IQueryable<StoredFile> LiveIn(FileApiDb db, FolderScope folder) => db.Files.AsNoTracking()
        .Where(f => f.WorkspaceId == folder.WorkspaceId && f.DeletedAt == null && f.CurrentVersionId != null && f.FolderKey == folder.Prefix);
}

/// <summary>A recursive CTE with LATERAL for the skip scan; a row comparison for the cursor.</summary>
sealed class PostgreSqlFolderView : IFolderView
{
    public static readonly PostgreSqlFolderView Instance = new();

    const string Live = "f.workspace_id = @workspace AND f.deleted_at IS NULL AND f.current_version_id IS NOT NULL";

    // Keys under the folder: after the prefix and, below the root, before the first key past it.
    static string Under(FolderScope folder) => "f.folder_key > @prefix" + (folder.Prefix.Length > 0 ? " AND f.folder_key < @folder_to" : "");

    // The next subfolder at or after @from is the first key there; the one after it starts past all of its keys.
    static string SkipScan(FolderScope folder) => $"""
        WITH RECURSIVE subfolders (folder_key, folder, n) AS (
            (SELECT f.folder_key, f.folder, 1::bigint FROM files f
              WHERE {Live} AND {Under(folder)} AND f.folder_key >= @from
              ORDER BY f.folder_key LIMIT 1)
            UNION ALL
            SELECT next.folder_key, next.folder, s.n + 1
              FROM subfolders s
              CROSS JOIN LATERAL (
                  SELECT f.folder_key, f.folder FROM files f
                   WHERE {Live} AND {Under(folder)}
                     AND f.folder_key >= (@prefix || split_part(substr(s.folder_key, length(@prefix) + 1), '/', 1) || '0')
                   ORDER BY f.folder_key LIMIT 1) next
             WHERE s.n < @take)
        """;

    public async Task<long> CountSubfoldersAsync(FileApiDb db, FolderScope folder, CancellationToken ct)
    {
        await using var command = await CommandAsync(db, folder, $"{SkipScan(folder)} SELECT count(*) FROM subfolders", ct);
        command.Parameters.AddWithValue("from", "");
        command.Parameters.AddWithValue("take", long.MaxValue);
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    public async Task<List<SubfolderRow>> SubfoldersAsync(FileApiDb db, FolderScope folder, string from, long skip, int take, CancellationToken ct)
    {
        await using var command = await CommandAsync(db, folder, $"{SkipScan(folder)} SELECT folder_key, folder FROM subfolders ORDER BY n OFFSET @skip", ct);
        command.Parameters.AddWithValue("from", from);
        command.Parameters.AddWithValue("take", skip + take);
        command.Parameters.AddWithValue("skip", skip);
        var rows = new List<SubfolderRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new SubfolderRow(reader.GetString(0), reader.GetString(1)));
        return rows;
    }

    public async Task<long[]> FileCountsAsync(FileApiDb db, Guid workspaceId, IReadOnlyList<string> folderKeys, CancellationToken ct)
    {
        await using var command = await CommandAsync(db, new FolderScope(workspaceId, ""), $"""
            SELECT (SELECT count(*) FROM files f WHERE {Live} AND f.folder_key >= k.key AND f.folder_key < k.upper)
              FROM unnest(@keys, @uppers) WITH ORDINALITY AS k(key, upper, n)
             ORDER BY k.n
            """, ct);
        command.Parameters.AddWithValue("keys", folderKeys.ToArray());
        command.Parameters.AddWithValue("uppers", folderKeys.Select(FileListing.AfterFolder).ToArray());
        var counts = new List<long>(folderKeys.Count);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            counts.Add(reader.GetInt64(0));
        return [.. counts];
    }

    public IQueryable<StoredFile> OwnFiles(FileApiDb db, FolderScope folder, (string Key, Guid Id)? after)
    {
        var files = FolderViews.LiveIn(db, folder);
        if (after is var (key, id))
            files = files.Where(f => EF.Functions.GreaterThan(ValueTuple.Create(f.PathKey, f.Id), ValueTuple.Create(key, id)));
        return files.OrderBy(f => f.PathKey).ThenBy(f => f.Id);
    }

    // On the context's connection (opened here, closed with the context), so no second connection is rented.
    static async Task<NpgsqlCommand> CommandAsync(FileApiDb db, FolderScope folder, string sql, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        var command = new NpgsqlCommand(sql, (NpgsqlConnection)db.Database.GetDbConnection());
        command.Parameters.AddWithValue("workspace", folder.WorkspaceId);
        command.Parameters.AddWithValue("prefix", folder.Prefix);
        if (folder.Prefix.Length > 0)
            command.Parameters.AddWithValue("folder_to", FileListing.AfterFolder(folder.Prefix));
        return command;
    }
}

/// <summary>
/// T-SQL has no LATERAL and allows no TOP in a recursive CTE, so the skip scan is a loop in one batch: a TOP (1) seek
/// per subfolder into a table variable. The counts read the keys from one JSON parameter (a page may hold more
/// subfolders than a batch may have parameters). Key parameters are varchar, as the keys are, so they seek the index.
/// </summary>
sealed class SqlServerFolderView : IFolderView
{
    public static readonly SqlServerFolderView Instance = new();

    const string Live = "f.workspace_id = @workspace AND f.deleted_at IS NULL AND f.current_version_id IS NOT NULL";

    /// <summary>The skip scan into @subfolders (n, folder_key, folder), then <paramref name="select"/> over it.</summary>
    internal static string SubfoldersSql(bool belowRoot, string select) => $"""
        SET NOCOUNT ON;
        DECLARE @subfolders TABLE (n bigint NOT NULL PRIMARY KEY, folder_key varchar({SqlServerFileApiDb.PathKeyBytes}) COLLATE {SqlServerFileApiDb.PathKeyCollation} NOT NULL, folder nvarchar(1024) NOT NULL);
        DECLARE @n bigint = 0, @next varchar({SqlServerFileApiDb.PathKeyBytes}) = @from, @key varchar({SqlServerFileApiDb.PathKeyBytes}), @folder nvarchar(1024);
        WHILE @n < @take
        BEGIN
            SET @key = NULL;
            SELECT TOP (1) @key = f.folder_key, @folder = f.folder
              FROM files AS f
             WHERE {Live} AND f.folder_key > @prefix{(belowRoot ? " AND f.folder_key < @folder_to" : "")} AND f.folder_key >= @next
             ORDER BY f.folder_key;
            IF @key IS NULL BREAK;
            SET @n += 1;
            INSERT INTO @subfolders (n, folder_key, folder) VALUES (@n, @key, @folder);
            -- Past every key of this subfolder: its first segment below the prefix, then '0', which follows '/'.
            SET @next = LEFT(@key, CHARINDEX('/', @key, LEN(@prefix) + 1) - 1) + '0';
        END;
        {select}
        """;

    internal const string CountSelect = "SELECT COUNT_BIG(*) AS [Value] FROM @subfolders;";
    internal const string PageSelect = "SELECT folder_key AS [FolderKey], folder AS [Folder] FROM @subfolders ORDER BY n OFFSET @skip ROWS;";

    internal static readonly string FileCountsSql = $"""
        SELECT (SELECT COUNT_BIG(*) FROM files AS f WHERE {Live} AND f.folder_key >= k.folder_key AND f.folder_key < k.upper) AS [Value]
          FROM OPENJSON(@folders) WITH (n int '$.n', folder_key varchar({SqlServerFileApiDb.PathKeyBytes}) '$.key', upper varchar({SqlServerFileApiDb.PathKeyBytes}) '$.upper') AS k
         ORDER BY k.n;
        """;

    public async Task<long> CountSubfoldersAsync(FileApiDb db, FolderScope folder, CancellationToken ct) =>
        (await db.Database.SqlQueryRaw<long>(SubfoldersSql(folder.Prefix.Length > 0, CountSelect),
            [.. Parameters(folder), Key("@from", ""), new SqlParameter("@take", long.MaxValue)]).ToListAsync(ct)).Single();

    public Task<List<SubfolderRow>> SubfoldersAsync(FileApiDb db, FolderScope folder, string from, long skip, int take, CancellationToken ct) =>
        db.Database.SqlQueryRaw<SubfolderRow>(SubfoldersSql(folder.Prefix.Length > 0, PageSelect),
            [.. Parameters(folder), Key("@from", from), new SqlParameter("@take", skip + take), new SqlParameter("@skip", skip)]).ToListAsync(ct);

    public async Task<long[]> FileCountsAsync(FileApiDb db, Guid workspaceId, IReadOnlyList<string> folderKeys, CancellationToken ct)
    {
        var folders = JsonSerializer.Serialize(folderKeys.Select((key, n) => new { n, key, upper = FileListing.AfterFolder(key) }));
        return [.. await db.Database.SqlQueryRaw<long>(FileCountsSql,
            new SqlParameter("@workspace", workspaceId), new SqlParameter("@folders", SqlDbType.NVarChar, -1) { Value = folders }).ToListAsync(ct)];
    }

    public IQueryable<StoredFile> OwnFiles(FileApiDb db, FolderScope folder, (string Key, Guid Id)? after)
    {
        var files = FolderViews.LiveIn(db, folder);
        if (after is var (key, id))
        {
            // Within one folder a file's name key orders as its path key does, and no two live files share one.
            var name = key[folder.Prefix.Length..];
            files = files.Where(f => string.Compare(EF.Property<string>(f, SqlServerFileApiDb.NameKey), name) >= 0
                && (string.Compare(EF.Property<string>(f, SqlServerFileApiDb.NameKey), name) > 0 || f.Id.CompareTo(id) > 0));
        }
        return files.OrderBy(f => EF.Property<string>(f, SqlServerFileApiDb.NameKey)).ThenBy(f => f.Id);
    }

    static SqlParameter Key(string name, string value) => new(name, SqlDbType.VarChar, SqlServerFileApiDb.PathKeyBytes) { Value = value };

    static SqlParameter[] Parameters(FolderScope folder) =>
    [
        new("@workspace", folder.WorkspaceId),
        Key("@prefix", folder.Prefix),
        .. folder.Prefix.Length > 0 ? [Key("@folder_to", FileListing.AfterFolder(folder.Prefix))] : Array.Empty<SqlParameter>(),
    ];
}
