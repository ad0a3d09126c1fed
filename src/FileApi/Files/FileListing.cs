using System.ComponentModel;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FileApi.Http;
using FileApi.Workspaces;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using NpgsqlTypes;

namespace FileApi.Files;

/// <summary>
/// <c>GET .../files</c>: filters, ordering, offset paging (what Evo clients send) and a keyset cursor in
/// <c>links.next</c> whose cost does not grow with depth. The query is SQL written out here because its
/// shape (optional filters, a row comparison for the cursor) is clearer as SQL than as composed LINQ.
/// </summary>
static class FileListing
{
    internal const int DefaultLimit = 100;
    internal const int MaxLimit = 5000;

    /// <summary>Sortable columns; names are never taken from the request, only looked up here.</summary>
    static readonly Dictionary<string, SortColumn> Sorts = new(StringComparer.Ordinal)
    {
        ["path"] = new("f.path_key", SortKind.Text),
        ["name"] = new("f.name", SortKind.Text),
        ["created_at"] = new("f.created_at", SortKind.Time),
        ["modified_at"] = new("f.modified_at", SortKind.Time),
        ["deleted_at"] = new("f.deleted_at", SortKind.Time),
        ["size"] = new("f.current_size", SortKind.Number),
    };

    static readonly Dictionary<string, string> DateFilters = new(StringComparer.Ordinal)
    {
        ["created_at"] = "f.created_at",
        ["modified_at"] = "f.modified_at",
        ["deleted_at"] = "f.deleted_at",
    };

    static readonly Dictionary<string, string> Comparisons = new(StringComparer.Ordinal)
    {
        ["lt"] = "<", ["lte"] = "<=", ["gt"] = ">", ["gte"] = ">=",
    };

    public sealed record ListQuery(
        [property: FromQuery(Name = "limit"), Description("Files per page, 1 to 5000 (100).")] string? Limit,
        [property: FromQuery(Name = "offset"), Description("Files to skip (0). links.next pages faster.")] string? Offset,
        [property: FromQuery(Name = "deleted"), Description("true lists only deleted files; false (the default) only live ones.")] string? Deleted,
        [property: FromQuery(Name = "file_name"), Description("A case-insensitive substring of the name.")] string? FileName,
        [property: FromQuery(Name = "author"), Description("The creator's user id.")] string? Author,
        [property: FromQuery(Name = "created_at"), Description(DateFilter)] string[]? CreatedAt,
        [property: FromQuery(Name = "modified_at"), Description(DateFilter)] string[]? ModifiedAt,
        [property: FromQuery(Name = "deleted_at"), Description(DateFilter)] string[]? DeletedAt,
        [property: FromQuery(Name = "order_by"), Description("path (the default), name, created_at, modified_at, size or deleted_at, optionally with :asc or :desc.")] string? OrderBy,
        [property: FromQuery(Name = "folder"), Description("A folder (/reports/) whose files, at any depth, are listed; with delimiter=/, only its own files and its subfolders.")] string? Folder,
        [property: FromQuery(Name = "cursor"), Description("The opaque cursor from links.next.")] string? Cursor,
        [property: FromQuery(Name = "delimiter"), Description("/ shows one level (the folder view): the folder's immediate subfolders in folders, "
            + "then the files directly in it, in path order. Live files only; not combined with the name, author or date filters.")] string? Delimiter = null);

    const string DateFilter = "A bound such as gte:2026-01-01T00:00:00Z (lt, lte, gt, gte); may repeat to give a range.";

    public static async Task<Results<Ok<FileListResponse>, ProblemHttpResult>> ListAsync(
        [AsParameters] ListQuery query, WorkspaceScope scope, NpgsqlDataSource dataSource, FileLinks links, HttpContext http)
    {
        if (query.Delimiter is not null)
            return await FolderListing.ListAsync(query, scope, dataSource, links, http);
        var ct = http.RequestAborted;
        var where = new StringBuilder("f.workspace_id = @workspace AND f.current_version_id IS NOT NULL");
        var parameters = new List<NpgsqlParameter> { new("workspace", scope.WorkspaceId) };

        if (!TryParseInt(query.Limit, "limit", 1, MaxLimit, DefaultLimit, out var limit, out var problem)
            || !TryParseInt(query.Offset, "offset", 0, int.MaxValue, 0, out var offset, out problem)
            || !FileQuery.TryParseBool(query.Deleted, "deleted", out var deleted, out problem))
            return problem;
        where.Append(deleted == true ? " AND f.deleted_at IS NOT NULL" : " AND f.deleted_at IS NULL");

        if (!string.IsNullOrEmpty(query.FileName))
        {
            where.Append(@" AND f.name ILIKE @file_name ESCAPE '\'");
            parameters.Add(new("file_name", "%" + EscapeLike(query.FileName) + "%"));
        }
        if (!string.IsNullOrEmpty(query.Author))
        {
            where.Append(" AND f.created_by_id = @author");
            parameters.Add(new("author", query.Author));
        }
        foreach (var (name, values) in new[] { ("created_at", query.CreatedAt), ("modified_at", query.ModifiedAt), ("deleted_at", query.DeletedAt) })
        {
            foreach (var value in values ?? [])
            {
                if (!TryParseDateFilter(name, value, out var comparison, out var when, out problem))
                    return problem;
                var parameter = $"{name}_{parameters.Count}";
                where.Append(CultureInfo.InvariantCulture, $" AND {DateFilters[name]} {comparison} @{parameter}");
                parameters.Add(new(parameter, when));
            }
        }
        if (!TryParseFolder(query.Folder, out var prefix, out problem))
            return problem;
        if (prefix.Length > 0)
        {
            // A folder's files, at any depth, are one contiguous range of path keys in byte order.
            where.Append(" AND f.path_key >= @folder_from AND f.path_key < @folder_to");
            parameters.Add(new("folder_from", prefix));
            parameters.Add(new("folder_to", AfterFolder(prefix)));
        }

        var unfiltered = parameters.Count == 1 && deleted != true;

        // The cursor carries the order and the last row seen; it wins over order_by and offset.
        var (sortName, descending) = ("path", false);
        ListCursor? cursor = null;
        if (query.Cursor is not null)
        {
            if (!ListCursor.TryDecode(query.Cursor, out cursor) || !Sorts.ContainsKey(cursor.Order))
                return FileQuery.Invalid("The cursor is not valid.", "Use the cursor from links.next as it is.");
            (sortName, descending, offset) = (cursor.Order, cursor.Descending, cursor.Offset);
        }
        else if (query.OrderBy is not null && !TryParseOrder(query.OrderBy, out sortName, out descending, out problem))
            return problem;

        var sort = Sorts[sortName];
        // A row comparison with a NULL key is never true, so a cursor past a NULL would end the listing early:
        // a column that may be NULL here (deleted_at of live files) sorts by a key that never is.
        var sortKey = sort.KeyExpression(mayBeNull: sortName == "deleted_at" && deleted != true);
        var direction = descending ? "DESC" : "ASC";
        var pageWhere = new StringBuilder(where.ToString());
        var pageParameters = new List<NpgsqlParameter>(parameters.Select(p => p.Clone()));
        if (cursor is not null)
        {
            if (!sort.TryParseKey(cursor.Key, out var key))
                return FileQuery.Invalid("The cursor is not valid.", "Use the cursor from links.next as it is.");
            pageWhere.Append(CultureInfo.InvariantCulture, $" AND ({sortKey}, f.id) {(descending ? "<" : ">")} (@after_key, @after_id)");
            pageParameters.Add(new("after_key", key));
            pageParameters.Add(new("after_id", cursor.Id));
        }

        // Filter, order and page the files alone, then join the current versions of just that page: an offset
        // skips index entries, not joined rows.
        var sql = $"""
            SELECT {ItemColumns}
              FROM (SELECT f.*, {sortKey} AS sort_key
                      FROM files f
                     WHERE {pageWhere}
                     ORDER BY {sortKey} {direction}, f.id {direction}
                     LIMIT @limit{(cursor is null ? " OFFSET @offset" : "")}) f
              JOIN file_versions v ON v.file_id = f.id AND v.version_id = f.current_version_id
             ORDER BY f.sort_key {direction}, f.id {direction}
            """;
        // One row more than the page says whether there is a next page, whatever has happened to the total.
        pageParameters.Add(new("limit", limit + 1));
        if (cursor is null)
            pageParameters.Add(new("offset", offset));

        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var items = new List<FileListItem>(Math.Min(limit, 1000));
        object? lastKey = null;
        Guid lastId = default;
        var hasMore = false;
        await using (var page = new NpgsqlCommand(sql, connection))
        {
            page.Parameters.AddRange(pageParameters.ToArray());
            await using var reader = await page.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                if (items.Count == limit)
                {
                    hasMore = true;
                    break;
                }
                var item = ReadItem(reader, links.Self(http.Request, scope, reader.GetGuid(0), reader.GetInt64(11)));
                items.Add(item);
                (lastKey, lastId) = (reader.IsDBNull(18) ? null : reader.GetValue(18), item.FileId);
            }
        }

        // Counting a million rows costs more than reading a page, so a cursor carries the total counted on the
        // first page: pages reached through links.next cost the same however deep they are.
        // Unfiltered, the total is the workspace's usage row, kept exact by the write paths: one row, however many files.
        long total;
        if (cursor is not null)
            total = cursor.Total;
        else if (unfiltered)
        {
            await using var count = new NpgsqlCommand("SELECT COALESCE((SELECT files FROM workspace_usage WHERE workspace_id = @workspace), 0)", connection);
            count.Parameters.Add(new("workspace", scope.WorkspaceId));
            total = (long)(await count.ExecuteScalarAsync(ct))!;
        }
        else
        {
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM files f WHERE {where}", connection);
            count.Parameters.AddRange(parameters.ToArray());
            total = (long)(await count.ExecuteScalarAsync(ct))!;
        }

        var next = hasMore && lastKey is not null
            ? PageLink(http.Request, new Dictionary<string, string?>
            {
                ["offset"] = null, ["order_by"] = null,
                ["cursor"] = new ListCursor(sortName, descending, sort.FormatKey(lastKey), lastId, offset + items.Count, total).Encode(),
            })
            : null;
        var prev = offset > 0
            ? PageLink(http.Request, new Dictionary<string, string?>
            {
                ["cursor"] = null, ["order_by"] = sortName + (descending ? ":desc" : ":asc"),
                ["offset"] = Math.Max(0, offset - limit).ToString(CultureInfo.InvariantCulture),
            })
            : null;

        return TypedResults.Ok(new FileListResponse(items.Count, items, limit, offset, total,
            new ListLinks(new Uri(http.Request.GetEncodedUrl()), next, prev)));
    }

    /// <summary>What <see cref="ReadItem"/> reads, from a page of files <c>f</c> (with its <c>sort_key</c>) joined to their current versions <c>v</c>.</summary>
    internal const string ItemColumns = """
        f.id, f.folder, f.name, f.created_at, f.created_by_id, f.created_by_name, f.created_by_email,
               f.deleted_at, f.deleted_by_id, f.deleted_by_name, f.deleted_by_email,
               f.current_version_id, f.current_size, f.modified_at,
               v.etag, v.created_by_id, v.created_by_name, v.created_by_email, f.sort_key, v.content_type, v.metadata
        """;

    internal static FileListItem ReadItem(NpgsqlDataReader reader, Uri self) =>
        new(
            Name: reader.GetString(2),
            Path: reader.GetString(1),
            FileId: reader.GetGuid(0),
            VersionId: FileReader.Format(reader.GetInt64(11)),
            Size: reader.IsDBNull(12) ? 0 : reader.GetInt64(12),
            Etag: reader.IsDBNull(14) ? "" : reader.GetString(14),
            CreatedAt: reader.GetFieldValue<DateTimeOffset>(3),
            CreatedBy: new UserResponse(reader.GetString(4), NullableString(reader, 5), NullableString(reader, 6)),
            ModifiedAt: reader.GetFieldValue<DateTimeOffset>(13),
            ModifiedBy: new UserResponse(reader.GetString(15), NullableString(reader, 16), NullableString(reader, 17)),
            Links: new ItemLinks(self),
            ContentType: VersionMetadata.ServedContentType(NullableString(reader, 19)),
            Metadata: VersionMetadata.Answered(VersionMetadata.Deserialize(NullableString(reader, 20))),
            DeletedAt: reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
            DeletedBy: reader.IsDBNull(8) ? null : new UserResponse(reader.GetString(8), NullableString(reader, 9), NullableString(reader, 10)));

    /// <summary>The folder as a key prefix: case-folded with a trailing slash ("reports/2026/"), or "" for the root.</summary>
    internal static bool TryParseFolder(string? raw, out string prefix, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        (prefix, problem) = ("", null);
        var folder = raw?.Trim('/') ?? "";
        if (folder.Length == 0)
            return true;
        if (!FilePath.TryParse(folder + "/x", out var probe, out var pathError))
        {
            problem = Problems.BadRequest(Problems.InvalidPath, "The folder is not valid.", pathError);
            return false;
        }
        prefix = probe.Key[..^1];
        return true;
    }

    /// <summary>The first key after every key that starts with <paramref name="prefix"/> ("a/b/" → "a/b0"): '0' follows '/' in byte order.</summary>
    internal static string AfterFolder(string prefix) => prefix[..^1] + (char)('/' + 1);

    internal static string? NullableString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    internal static Uri PageLink(HttpRequest request, Dictionary<string, string?> changes)
    {
        var values = request.Query.ToDictionary(q => q.Key, q => q.Value, StringComparer.Ordinal);
        foreach (var (key, value) in changes)
        {
            if (value is null)
                values.Remove(key);
            else
                values[key] = value;
        }
        var query = Microsoft.AspNetCore.Http.QueryString.Create(values);
        return new Uri($"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}{query}");
    }

    internal static bool TryParseInt(string? raw, string name, int min, int max, int fallback, out int value, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        problem = null;
        value = fallback;
        if (raw is null)
            return true;
        if (int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= min && value <= max)
            return true;
        problem = FileQuery.Invalid($"{name} is not valid.", $"{name} must be a whole number from {min} to {max}; got '{raw}'.");
        return false;
    }

    static bool TryParseDateFilter(string name, string raw, out string comparison, out DateTimeOffset when, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        comparison = "";
        when = default;
        problem = null;
        var colon = raw.IndexOf(':');
        if (colon > 0 && Comparisons.TryGetValue(raw[..colon], out var op)
            && DateTimeOffset.TryParse(raw[(colon + 1)..], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out when))
        {
            (comparison, when) = (op, when.ToUniversalTime());
            return true;
        }
        problem = FileQuery.Invalid($"{name} is not valid.", $"{name} must look like gte:2026-01-31T00:00:00Z (prefixes lt, lte, gt, gte); got '{raw}'.");
        return false;
    }

    static bool TryParseOrder(string raw, out string name, out bool descending, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        var parts = raw.Split(':');
        name = parts[0];
        descending = parts.Length == 2 && parts[1].Equals("desc", StringComparison.OrdinalIgnoreCase);
        problem = null;
        if (Sorts.ContainsKey(name) && (parts.Length == 1 || (parts.Length == 2 && (descending || parts[1].Equals("asc", StringComparison.OrdinalIgnoreCase)))))
            return true;
        problem = FileQuery.Invalid("order_by is not valid.", $"order_by must be one of {string.Join(", ", Sorts.Keys)}, optionally with :asc or :desc; got '{raw}'.");
        return false;
    }

    static string EscapeLike(string text) => text.Replace(@"\", @"\\").Replace("%", @"\%").Replace("_", @"\_");

    enum SortKind { Text, Time, Number }

    sealed record SortColumn(string Column, SortKind Kind)
    {
        /// <summary>The column, or for one that may be NULL, the column with NULL read as the lowest key of its kind
        /// (-infinity reads back as DateTime.MinValue and is written again as -infinity, so the cursor round-trips).</summary>
        public string KeyExpression(bool mayBeNull) => !mayBeNull ? Column : Kind switch
        {
            SortKind.Time => $"COALESCE({Column}, timestamptz '-infinity')",
            SortKind.Number => $"COALESCE({Column}, {long.MinValue})",
            _ => $"COALESCE({Column}, '')",
        };

        public string FormatKey(object key) => key switch
        {
            DateTime time => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)).UtcTicks.ToString(CultureInfo.InvariantCulture),
            DateTimeOffset time => time.UtcTicks.ToString(CultureInfo.InvariantCulture),
            long number => number.ToString(CultureInfo.InvariantCulture),
            _ => (string)key,
        };

        public bool TryParseKey(string text, out object key)
        {
            key = text;
            if (Kind == SortKind.Text)
                return true;
            if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                return false;
            key = Kind == SortKind.Time ? new DateTimeOffset(number, TimeSpan.Zero) : number;
            return Kind != SortKind.Time || number is >= 0 && number <= DateTimeOffset.MaxValue.UtcTicks;
        }
    }

    /// <summary>Opaque to clients: base64url of the order and the last row of the page.</summary>
    sealed record ListCursor(string Order, bool Descending, string Key, Guid Id, int Offset, long Total)
    {
        public string Encode() => Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(this)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        public static bool TryDecode(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ListCursor? cursor)
        {
            cursor = null;
            try
            {
                var base64 = text.Replace('-', '+').Replace('_', '/');
                cursor = JsonSerializer.Deserialize<ListCursor>(Convert.FromBase64String(base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=')));
                return cursor is { Order: not null, Key: not null, Offset: >= 0, Total: >= 0 };
            }
            catch (Exception exception) when (exception is FormatException or JsonException or ArgumentException)
            {
                return false;
            }
        }
    }
}
