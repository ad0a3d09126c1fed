using System.Globalization;
using System.Text.Json;
using FileApi.Http;
using FileApi.Workspaces;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace FileApi.Files;

/// <summary>
/// The folder view, <c>GET .../files?folder=/a/&amp;delimiter=/</c>: the folder's immediate subfolders (in key order), then
/// the files directly in it (in path order), as one sequence paged like the flat listing (offset, or the keyset cursor in
/// <c>links.next</c>). Both halves run on <c>ix_files_live_folder</c> (workspace, folder_key, path_key, id) over live,
/// ready files: the folder's own files are one range of it, and the subfolders come from a skip scan that seeks once
/// per subfolder past everything under the previous one, so a page costs a seek per entry however many files lie below.
/// PostgreSQL-specific SQL (a recursive CTE with LATERAL), written out here like the flat listing's.
/// </summary>
static class FolderListing
{
    const string Live = "f.workspace_id = @workspace AND f.deleted_at IS NULL AND f.current_version_id IS NOT NULL";
    const string FoldersPhase = "folders";
    const string FilesPhase = "files";

    public static async Task<Results<Ok<FileListResponse>, ProblemHttpResult>> ListAsync(
        FileListing.ListQuery query, WorkspaceScope scope, NpgsqlDataSource dataSource, FileLinks links, HttpContext http)
    {
        if (Unsupported(query) is { } refused)
            return refused;
        if (!FileListing.TryParseInt(query.Limit, "limit", 1, FileListing.MaxLimit, FileListing.DefaultLimit, out var limit, out var problem)
            || !FileListing.TryParseInt(query.Offset, "offset", 0, int.MaxValue, 0, out var offset, out problem)
            || !FileListing.TryParseFolder(query.Folder, out var prefix, out problem))
            return problem;
        FolderCursor? cursor = null;
        if (query.Cursor is not null && (!FolderCursor.TryDecode(query.Cursor, out cursor) || cursor.Phase is not (FoldersPhase or FilesPhase) || cursor.Key.Length == 0))
            return FileQuery.Invalid("The cursor is not valid.", "Use the cursor from links.next as it is.");

        var ct = http.RequestAborted;
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var view = new FolderQueries(connection, scope.WorkspaceId, prefix);
        var take = limit + 1; // one entry more than the page says whether there is a next page
        List<Subfolder> folders = [];
        List<(FileListItem Item, string Key)> files = [];
        long total;
        if (cursor is null)
        {
            // As in the flat listing, the first page counts and the cursor carries the count on.
            var folderCount = await view.CountSubfoldersAsync(ct);
            total = folderCount + await view.CountFilesAsync(ct);
            if (offset < folderCount)
                folders = await view.SubfoldersAsync(from: "", skip: offset, take, ct);
            if (folders.Count < take)
                files = await view.FilesAsync(http, scope, links, after: null, skip: (int)Math.Max(0, offset - folderCount), take - folders.Count, ct);
        }
        else
        {
            (total, offset) = (cursor.Total, cursor.Offset);
            if (cursor.Phase == FoldersPhase)
            {
                folders = await view.SubfoldersAsync(from: FileListing.AfterFolder(cursor.Key), skip: 0, take, ct);
                if (folders.Count < take)
                    files = await view.FilesAsync(http, scope, links, after: null, skip: 0, take - folders.Count, ct);
            }
            else
                files = await view.FilesAsync(http, scope, links, after: (cursor.Key, cursor.Id), skip: 0, take, ct);
        }

        var hasMore = folders.Count + files.Count > limit;
        if (folders.Count > limit)
            (folders, files) = (folders[..limit], []);
        else if (hasMore)
            files = files[..(limit - folders.Count)];
        var counts = await view.FileCountsAsync(folders, ct);

        Uri? next = null;
        if (hasMore)
        {
            var last = files.Count > 0
                ? new FolderCursor(FilesPhase, files[^1].Key, files[^1].Item.FileId, offset + folders.Count + files.Count, total)
                : new FolderCursor(FoldersPhase, folders[^1].Key, Guid.Empty, offset + folders.Count, total);
            next = FileListing.PageLink(http.Request, new Dictionary<string, string?> { ["offset"] = null, ["cursor"] = last.Encode() });
        }
        var prev = offset > 0
            ? FileListing.PageLink(http.Request, new Dictionary<string, string?>
            {
                ["cursor"] = null, ["offset"] = Math.Max(0, offset - limit).ToString(CultureInfo.InvariantCulture),
            })
            : null;

        var folderItems = folders.Select((folder, i) => new FolderListItem(folder.Name, folder.Path, counts[i],
            new ItemLinks(FolderLink(http.Request, folder.Path + folder.Name + "/")))).ToList();
        return TypedResults.Ok(new FileListResponse(folderItems.Count + files.Count, files.Select(f => f.Item).ToList(), limit, offset, total,
            new ListLinks(new Uri(http.Request.GetEncodedUrl()), next, prev), folderItems));
    }

    static ProblemHttpResult? Unsupported(FileListing.ListQuery query)
    {
        if (query.Delimiter != "/")
            return FileQuery.Invalid("delimiter is not valid.", $"delimiter must be '/' (the folder view); got '{query.Delimiter}'.");
        if (!FileQuery.TryParseBool(query.Deleted, "deleted", out var deleted, out var problem))
            return problem;
        if (deleted == true)
            return FileQuery.Invalid("The folder view lists live files.", "deleted=true lists deleted files flat: leave out delimiter.");
        if (query.FileName is not null || query.Author is not null || query.CreatedAt is { Length: > 0 } || query.ModifiedAt is { Length: > 0 } || query.DeletedAt is { Length: > 0 })
            return FileQuery.Invalid("The folder view takes no filters.", "file_name, author, created_at, modified_at and deleted_at filter the flat listing: leave out delimiter.");
        if (query.OrderBy is not null && query.OrderBy is not ("path" or "path:asc"))
            return FileQuery.Invalid("order_by is not valid here.", $"The folder view is in path order (subfolders first); got order_by '{query.OrderBy}'.");
        return null;
    }

    static Uri FolderLink(HttpRequest request, string folder) =>
        new($"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}"
            + QueryString.Create([new("folder", folder), new KeyValuePair<string, string?>("delimiter", "/")]));

    /// <summary>A subfolder: its key ("a/b/") and its name and containing folder as one of its files spells them.</summary>
    sealed record Subfolder(string Key, string Name, string Path);

    /// <summary>The statements of the folder view, for one folder (<paramref name="prefix"/>, a key prefix, "" for the root).</summary>
    sealed class FolderQueries(NpgsqlConnection connection, Guid workspaceId, string prefix)
    {
        // Keys under the folder: after the prefix and, below the root, before the first key past it.
        readonly string _under = "f.folder_key > @prefix" + (prefix.Length > 0 ? " AND f.folder_key < @folder_to" : "");

        // The next subfolder at or after @from is the first key there; the one after it starts past all of its keys.
        string SkipScan => $"""
            WITH RECURSIVE subfolders (folder_key, folder, n) AS (
                (SELECT f.folder_key, f.folder, 1::bigint FROM files f
                  WHERE {Live} AND {_under} AND f.folder_key >= @from
                  ORDER BY f.folder_key LIMIT 1)
                UNION ALL
                SELECT next.folder_key, next.folder, s.n + 1
                  FROM subfolders s
                  CROSS JOIN LATERAL (
                      SELECT f.folder_key, f.folder FROM files f
                       WHERE {Live} AND {_under}
                         AND f.folder_key >= (@prefix || split_part(substr(s.folder_key, length(@prefix) + 1), '/', 1) || '0')
                       ORDER BY f.folder_key LIMIT 1) next
                 WHERE s.n < @take)
            """;

        public async Task<long> CountSubfoldersAsync(CancellationToken ct)
        {
            await using var command = Command($"{SkipScan} SELECT count(*) FROM subfolders");
            command.Parameters.AddWithValue("from", "");
            command.Parameters.AddWithValue("take", long.MaxValue);
            return (long)(await command.ExecuteScalarAsync(ct))!;
        }

        public async Task<List<Subfolder>> SubfoldersAsync(string from, long skip, int take, CancellationToken ct)
        {
            await using var command = Command($"{SkipScan} SELECT folder_key, folder FROM subfolders ORDER BY n OFFSET @skip");
            command.Parameters.AddWithValue("from", from);
            command.Parameters.AddWithValue("take", skip + take);
            command.Parameters.AddWithValue("skip", skip);
            var depth = prefix.Count(c => c == '/');
            var folders = new List<Subfolder>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                // Keys and display folders have their slashes in the same places: case folding never makes or removes one.
                var keySegments = reader.GetString(0).Split('/');
                var segments = reader.GetString(1).Split('/'); // "/A/Bc/d/" → "", "A", "Bc", "d", ""
                folders.Add(new Subfolder(string.Join('/', keySegments[..(depth + 1)]) + "/", segments[depth + 1],
                    "/" + string.Concat(segments[1..(depth + 1)].Select(segment => segment + "/"))));
            }
            return folders;
        }

        /// <summary>Live, ready files anywhere under each folder: one range count each, on the index alone.</summary>
        public async Task<long[]> FileCountsAsync(List<Subfolder> folders, CancellationToken ct)
        {
            if (folders.Count == 0)
                return [];
            await using var command = Command($"""
                SELECT (SELECT count(*) FROM files f WHERE {Live} AND f.folder_key >= k.key AND f.folder_key < k.upper)
                  FROM unnest(@keys, @uppers) WITH ORDINALITY AS k(key, upper, n)
                 ORDER BY k.n
                """);
            command.Parameters.AddWithValue("keys", folders.Select(folder => folder.Key).ToArray());
            command.Parameters.AddWithValue("uppers", folders.Select(folder => FileListing.AfterFolder(folder.Key)).ToArray());
            var counts = new List<long>(folders.Count);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                counts.Add(reader.GetInt64(0));
            return [.. counts];
        }

        public async Task<long> CountFilesAsync(CancellationToken ct)
        {
            await using var command = Command($"SELECT count(*) FROM files f WHERE {Live} AND f.folder_key = @prefix");
            return (long)(await command.ExecuteScalarAsync(ct))!;
        }

        /// <summary>The folder's own files in path order, after a cursor's (path key, id) or skipping an offset.</summary>
        public async Task<List<(FileListItem Item, string Key)>> FilesAsync(
            HttpContext http, WorkspaceScope scope, FileLinks links, (string Key, Guid Id)? after, int skip, int take, CancellationToken ct)
        {
            await using var command = Command($"""
                SELECT {FileListing.ItemColumns}
                  FROM (SELECT f.*, f.path_key AS sort_key FROM files f
                         WHERE {Live} AND f.folder_key = @prefix{(after is null ? "" : " AND (f.path_key, f.id) > (@after_key, @after_id)")}
                         ORDER BY f.path_key, f.id
                         LIMIT @take OFFSET @skip) f
                  JOIN file_versions v ON v.file_id = f.id AND v.version_id = f.current_version_id
                 ORDER BY f.sort_key, f.id
                """);
            if (after is { } position)
            {
                command.Parameters.AddWithValue("after_key", position.Key);
                command.Parameters.AddWithValue("after_id", position.Id);
            }
            command.Parameters.AddWithValue("take", take);
            command.Parameters.AddWithValue("skip", skip);
            var files = new List<(FileListItem, string)>(Math.Min(take, 1000));
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                files.Add((FileListing.ReadItem(reader, links.Self(http.Request, scope, reader.GetGuid(0), reader.GetInt64(11))), reader.GetString(18)));
            return files;
        }

        NpgsqlCommand Command(string sql)
        {
            var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("workspace", workspaceId);
            command.Parameters.AddWithValue("prefix", prefix);
            if (prefix.Length > 0)
                command.Parameters.AddWithValue("folder_to", FileListing.AfterFolder(prefix));
            return command;
        }
    }

    /// <summary>Opaque to clients: base64url of the phase (folders, then files) and the last entry of the page.</summary>
    sealed record FolderCursor(string Phase, string Key, Guid Id, int Offset, long Total)
    {
        public string Encode() => Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(this)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        public static bool TryDecode(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out FolderCursor? cursor)
        {
            cursor = null;
            try
            {
                var base64 = text.Replace('-', '+').Replace('_', '/');
                cursor = JsonSerializer.Deserialize<FolderCursor>(Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=')));
                return cursor is { Phase: not null, Key: not null, Offset: >= 0, Total: >= 0 };
            }
            catch (Exception exception) when (exception is FormatException or JsonException or ArgumentException)
            {
                return false;
            }
        }
    }
}
