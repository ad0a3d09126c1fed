using System.ComponentModel;
using System.Globalization;
using System.Linq.Expressions;
using System.Text.Json;
using FileApi.Data;
using FileApi.Http;
using FileApi.Workspaces;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace FileApi.Files;

/// <summary>
/// <c>GET .../files</c>: filters, ordering, offset paging (what Evo clients send) and a keyset cursor in
/// <c>links.next</c> whose cost does not grow with depth. LINQ, so PostgreSQL and SQL Server run the same query:
/// the cursor's row comparison is spelled out as <c>key &gt; k OR (key = k AND id &gt; i)</c>.
/// </summary>
static class FileListing
{
    internal const int DefaultLimit = 100;
    internal const int MaxLimit = 5000;

    /// <summary>Sortable columns; names are never taken from the request, only looked up here.</summary>
    static readonly Dictionary<string, SortColumn> Sorts = new(StringComparer.Ordinal)
    {
        ["path"] = SortColumn.Of(f => f.PathKey),
        ["name"] = SortColumn.Of(f => f.Name),
        ["created_at"] = SortColumn.Of(f => f.CreatedAt),
        ["modified_at"] = SortColumn.Of(f => f.ModifiedAt),
        ["deleted_at"] = SortColumn.Of(f => f.DeletedAt),
        ["size"] = SortColumn.Of(f => f.CurrentSize),
    };

    // A comparison with a NULL key is never true, so a cursor past a NULL would end the listing early: live files
    // (whose deleted_at is NULL) sorted by deleted_at sort by a key that never is. Not MinValue, which Npgsql sends
    // as -infinity in a parameter but EF may write differently as a literal.
    static readonly SortColumn LiveDeletedAt = SortColumn.Of(f => f.DeletedAt ?? DateTimeOffset.UnixEpoch);

    static readonly Dictionary<string, Expression<Func<StoredFile, DateTimeOffset?>>> DateFilters = new(StringComparer.Ordinal)
    {
        ["created_at"] = f => f.CreatedAt,
        ["modified_at"] = f => f.ModifiedAt,
        ["deleted_at"] = f => f.DeletedAt,
    };

    static readonly Dictionary<string, ExpressionType> Comparisons = new(StringComparer.Ordinal)
    {
        ["lt"] = ExpressionType.LessThan, ["lte"] = ExpressionType.LessThanOrEqual,
        ["gt"] = ExpressionType.GreaterThan, ["gte"] = ExpressionType.GreaterThanOrEqual,
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

    /// <summary>A page's file with the current version's etag, uploader, content type and metadata.</summary>
    internal sealed record ListedFile(StoredFile File, string? ETag, string ModifiedById, string? ModifiedByName, string? ModifiedByEmail,
        string? ContentType, Dictionary<string, string>? Metadata);

    /// <summary>
    /// What a request lists: <see cref="Matching"/> is counted (unless <see cref="Unfiltered"/>: then the workspace's usage
    /// row has the total), <see cref="Page"/> read (one row more than the limit).
    /// </summary>
    internal sealed record ListPlan(
        IQueryable<StoredFile> Matching, IQueryable<ListedFile> Page, string SortName, bool Descending, SortColumn Sort, int Limit, int Offset, ListCursor? Cursor,
        bool Unfiltered);

    public static async Task<Results<Ok<FileListResponse>, ProblemHttpResult>> ListAsync(
        [AsParameters] ListQuery query, WorkspaceScope scope, FileApiDb db, FileLinks links, HttpContext http)
    {
        if (query.Delimiter is not null)
            return await FolderListing.ListAsync(query, scope, db, links, http);
        var ct = http.RequestAborted;
        if (!TryPlan(db, scope.WorkspaceId, query, out var plan, out var problem))
            return problem;
        var (limit, offset) = (plan.Limit, plan.Offset);

        var rows = await plan.Page.ToListAsync(ct);
        // One row more than the page says whether there is a next page, whatever has happened to the total.
        var hasMore = rows.Count > limit;
        var items = rows.Take(limit).Select(row => ReadItem(row, links.Self(http.Request, scope, row.File.Id, row.File.CurrentVersionId!.Value))).ToList();
        var lastKey = items.Count > 0 ? plan.Sort.KeyOf(rows[items.Count - 1].File) : null;

        // Counting a million rows costs more than reading a page, so a cursor carries the total counted on the
        // first page: pages reached through links.next cost the same however deep they are.
        // Unfiltered, the total is the workspace's usage row, kept exact by the write paths: one row, however many files.
        var total = plan.Cursor?.Total ?? (plan.Unfiltered
            ? await db.WorkspaceUsage.Where(u => u.WorkspaceId == scope.WorkspaceId).Select(u => u.Files).FirstOrDefaultAsync(ct)
            : await plan.Matching.LongCountAsync(ct));

        var next = hasMore && lastKey is not null
            ? PageLink(http.Request, new Dictionary<string, string?>
            {
                ["offset"] = null, ["order_by"] = null,
                ["cursor"] = new ListCursor(plan.SortName, plan.Descending, SortColumn.FormatKey(lastKey), items[^1].FileId, offset + items.Count, total).Encode(),
            })
            : null;
        var prev = offset > 0
            ? PageLink(http.Request, new Dictionary<string, string?>
            {
                ["cursor"] = null, ["order_by"] = plan.SortName + (plan.Descending ? ":desc" : ":asc"),
                ["offset"] = Math.Max(0, offset - limit).ToString(CultureInfo.InvariantCulture),
            })
            : null;

        return TypedResults.Ok(new FileListResponse(items.Count, items, limit, offset, total,
            new ListLinks(new Uri(http.Request.GetEncodedUrl()), next, prev)));
    }

    /// <summary>The queries for a request, or the problem with it; issues nothing, so tests render them for each provider.</summary>
    internal static bool TryPlan(FileApiDb db, Guid workspaceId, ListQuery query,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ListPlan? plan, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        plan = null;
        if (!TryParseInt(query.Limit, "limit", 1, MaxLimit, DefaultLimit, out var limit, out problem)
            || !TryParseInt(query.Offset, "offset", 0, int.MaxValue, 0, out var offset, out problem)
            || !FileQuery.TryParseBool(query.Deleted, "deleted", out var deleted, out problem))
            return false;

        var matching = db.Files.AsNoTracking().Where(f => f.WorkspaceId == workspaceId && f.CurrentVersionId != null);
        matching = deleted == true ? matching.Where(f => f.DeletedAt != null) : matching.Where(f => f.DeletedAt == null);
        if (!string.IsNullOrEmpty(query.FileName))
        {
            var pattern = "%" + EscapeLike(query.FileName.ToLowerInvariant()) + "%";
            matching = matching.Where(f => EF.Functions.Like(f.Name.ToLower(), pattern, @"\"));
        }
        if (!string.IsNullOrEmpty(query.Author))
            matching = matching.Where(f => f.CreatedById == query.Author);
        foreach (var (name, values) in new[] { ("created_at", query.CreatedAt), ("modified_at", query.ModifiedAt), ("deleted_at", query.DeletedAt) })
        {
            foreach (var value in values ?? [])
            {
                if (!TryParseDateFilter(name, value, out var bound, out problem))
                    return false;
                matching = matching.Where(bound);
            }
        }
        if (!TryParseFolder(query.Folder, out var prefix, out problem))
            return false;
        if (prefix.Length > 0)
        {
            // A folder's files, at any depth, are one contiguous range of path keys in byte order.
            var (from, to) = (prefix, AfterFolder(prefix));
            matching = matching.Where(f => string.Compare(f.PathKey, from) >= 0 && string.Compare(f.PathKey, to) < 0);
        }

        var unfiltered = deleted != true && string.IsNullOrEmpty(query.FileName) && string.IsNullOrEmpty(query.Author) && prefix.Length == 0
            && query.CreatedAt is not { Length: > 0 } && query.ModifiedAt is not { Length: > 0 } && query.DeletedAt is not { Length: > 0 };

        // The cursor carries the order and the last row seen; it wins over order_by and offset.
        var (sortName, descending) = ("path", false);
        ListCursor? cursor = null;
        if (query.Cursor is not null)
        {
            if (!ListCursor.TryDecode(query.Cursor, out cursor) || !Sorts.ContainsKey(cursor.Order))
            {
                problem = FileQuery.Invalid("The cursor is not valid.", "Use the cursor from links.next as it is.");
                return false;
            }
            (sortName, descending, offset) = (cursor.Order, cursor.Descending, cursor.Offset);
        }
        else if (query.OrderBy is not null && !TryParseOrder(query.OrderBy, out sortName, out descending, out problem))
            return false;

        var sort = sortName == "deleted_at" && deleted != true ? LiveDeletedAt : Sorts[sortName];
        var paged = matching;
        if (cursor is not null)
        {
            if (!sort.TryParseKey(cursor.Key, out var key))
            {
                problem = FileQuery.Invalid("The cursor is not valid.", "Use the cursor from links.next as it is.");
                return false;
            }
            paged = sort.After(matching, key, cursor.Id, descending);
        }

        // Order and page the files alone, then join the current versions of just that page. An offset skips the
        // order's index entries by id alone (an index-only scan), and only the page's rows are read.
        var ordered = sort.Order(paged, descending);
        var pageFiles = ordered.Take(limit + 1);
        if (cursor is null && offset > 0)
        {
            // Skip and Take inside the lambda, so that EF sends the offset as a parameter, not as SQL text.
            var (orderedIds, skip, take) = (ordered.Select(f => f.Id), offset, limit + 1);
            pageFiles = sort.Order(matching.Where(f => orderedIds.Skip(skip).Take(take).Contains(f.Id)), descending).Take(take);
        }
        plan = new ListPlan(matching, WithCurrentVersions(db, pageFiles), sortName, descending, sort, limit, offset, cursor, unfiltered);
        return true;
    }

    /// <summary>A page of files joined to their current versions, in the page's order.</summary>
    internal static IQueryable<ListedFile> WithCurrentVersions(FileApiDb db, IQueryable<StoredFile> page) => page.Join(db.FileVersions,
        f => new { FileId = f.Id, VersionId = f.CurrentVersionId },
        v => new { v.FileId, VersionId = (long?)v.VersionId },
        (f, v) => new ListedFile(f, v.ETag, v.CreatedById, v.CreatedByName, v.CreatedByEmail, v.ContentType, v.Metadata));

    internal static FileListItem ReadItem(ListedFile row, Uri self)
    {
        var file = row.File;
        return new(
            Name: file.Name,
            Path: file.Folder,
            FileId: file.Id,
            VersionId: FileReader.Format(file.CurrentVersionId!.Value),
            Size: file.CurrentSize ?? 0,
            Etag: row.ETag ?? "",
            CreatedAt: file.CreatedAt,
            CreatedBy: new UserResponse(file.CreatedById, file.CreatedByName, file.CreatedByEmail),
            ModifiedAt: file.ModifiedAt ?? file.CreatedAt,
            ModifiedBy: new UserResponse(row.ModifiedById, row.ModifiedByName, row.ModifiedByEmail),
            Links: new ItemLinks(self),
            ContentType: VersionMetadata.ServedContentType(row.ContentType),
            Metadata: VersionMetadata.Answered(row.Metadata),
            DeletedAt: file.DeletedAt,
            DeletedBy: file.DeletedById is null ? null : new UserResponse(file.DeletedById, file.DeletedByName, file.DeletedByEmail));
    }

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

    static bool TryParseDateFilter(string name, string raw, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Expression<Func<StoredFile, bool>>? bound,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        bound = null;
        problem = null;
        var colon = raw.IndexOf(':');
        if (colon > 0 && Comparisons.TryGetValue(raw[..colon], out var comparison)
            && DateTimeOffset.TryParse(raw[(colon + 1)..], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var when))
        {
            var column = DateFilters[name];
            var value = Expression.Property(Expression.Constant(new Bound<DateTimeOffset?>(when.ToUniversalTime())), nameof(Bound<DateTimeOffset?>.Value));
            bound = Expression.Lambda<Func<StoredFile, bool>>(Expression.MakeBinary(comparison, column.Body, value), column.Parameters);
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

    /// <summary>A value captured as a member, so EF Core sends it as a parameter rather than writing it into the SQL.</summary>
    sealed record Bound<T>(T Value);

    /// <summary>An order over one column, then the file id; and the cursor's "after this row" condition in the same order.</summary>
    internal abstract class SortColumn
    {
        public static SortColumn Of<TKey>(Expression<Func<StoredFile, TKey>> key) => new SortColumn<TKey>(key);

        public abstract IOrderedQueryable<StoredFile> Order(IQueryable<StoredFile> files, bool descending);

        public abstract IQueryable<StoredFile> After(IQueryable<StoredFile> files, object key, Guid id, bool descending);

        public abstract object? KeyOf(StoredFile file);

        public abstract bool TryParseKey(string text, out object key);

        public static string FormatKey(object key) => key switch
        {
            DateTimeOffset time => time.UtcTicks.ToString(CultureInfo.InvariantCulture),
            long number => number.ToString(CultureInfo.InvariantCulture),
            _ => (string)key,
        };
    }

    sealed class SortColumn<TKey>(Expression<Func<StoredFile, TKey>> key) : SortColumn
    {
        static readonly Type KeyType = Nullable.GetUnderlyingType(typeof(TKey)) ?? typeof(TKey);
        readonly Func<StoredFile, TKey> _read = key.Compile();

        public override IOrderedQueryable<StoredFile> Order(IQueryable<StoredFile> files, bool descending) =>
            descending ? files.OrderByDescending(key).ThenByDescending(f => f.Id) : files.OrderBy(key).ThenBy(f => f.Id);

        public override IQueryable<StoredFile> After(IQueryable<StoredFile> files, object after, Guid afterId, bool descending)
        {
            var file = key.Parameters[0];
            var bound = Expression.Property(Expression.Constant(new Bound<TKey>((TKey)after)), nameof(Bound<TKey>.Value));
            var id = Expression.Property(file, nameof(StoredFile.Id));
            var boundId = Expression.Property(Expression.Constant(new Bound<Guid>(afterId)), nameof(Bound<Guid>.Value));
            // key >= k first: the same rows, but a bound the order's index seeks to, where the OR alone is a filter
            // that every row before the cursor passes through.
            var beyond = Expression.AndAlso(
                Beyond(key.Body, bound, descending, orEqual: true),
                Expression.OrElse(
                    Beyond(key.Body, bound, descending, orEqual: false),
                    Expression.AndAlso(Expression.Equal(key.Body, bound), Beyond(id, boundId, descending, orEqual: false))));
            return files.Where(Expression.Lambda<Func<StoredFile, bool>>(beyond, file));
        }

        // string and Guid have no < in C#: Compare(a, b) > 0, which EF Core translates to a > b.
        static BinaryExpression Beyond(Expression column, Expression bound, bool descending, bool orEqual)
        {
            if (column.Type == typeof(string))
                (column, bound) = (Expression.Call(typeof(string).GetMethod(nameof(string.Compare), [typeof(string), typeof(string)])!, column, bound), Expression.Constant(0));
            else if (column.Type == typeof(Guid))
                (column, bound) = (Expression.Call(column, typeof(Guid).GetMethod(nameof(Guid.CompareTo), [typeof(Guid)])!, bound), Expression.Constant(0));
            return (descending, orEqual) switch
            {
                (false, false) => Expression.GreaterThan(column, bound),
                (false, true) => Expression.GreaterThanOrEqual(column, bound),
                (true, false) => Expression.LessThan(column, bound),
                (true, true) => Expression.LessThanOrEqual(column, bound),
            };
        }

        public override object? KeyOf(StoredFile file) => _read(file);

        public override bool TryParseKey(string text, out object key)
        {
            key = text;
            if (KeyType == typeof(string))
                return true;
            if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
                return false;
            if (KeyType != typeof(DateTimeOffset))
            {
                key = number;
                return true;
            }
            key = number is >= 0 && number <= DateTimeOffset.MaxValue.UtcTicks ? new DateTimeOffset(number, TimeSpan.Zero) : DateTimeOffset.MinValue;
            return number is >= 0 && number <= DateTimeOffset.MaxValue.UtcTicks;
        }
    }

    /// <summary>Opaque to clients: base64url of the order and the last row of the page.</summary>
    internal sealed record ListCursor(string Order, bool Descending, string Key, Guid Id, int Offset, long Total)
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
