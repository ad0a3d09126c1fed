using System.Globalization;
using FileApi.Data.Providers;
using FileApi.Files;
using FileApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace FileApi.Tests.Data.SqlServer;

/// <summary>
/// What can be proven about the SQL Server provider without a SQL Server: the model matches its migrations, the
/// migration script, every raw T-SQL statement and every listing query parse, and all of them are checked in as
/// snapshots so a change that alters SQL shows in review (every other statement the services send: SqlServerStatementTests).
/// A failed snapshot prints the new text: if the change is
/// meant, run again with FILEAPI_UPDATE_SNAPSHOTS=1 to rewrite it (then commit it).
/// </summary>
public sealed class SqlServerOfflineTests
{
    static readonly string Snapshots = Path.Combine(Repository.Root, "tests", "FileApi.Tests", "Data", "SqlServer", "Snapshots");

    static SqlServerFileApiDb Context() =>
        new(new DbContextOptionsBuilder<SqlServerFileApiDb>().UseSqlServer("Server=127.0.0.1;Database=never_opened").Options);

    [Fact]
    public void EveryModelChangeHasASqlServerMigration()
    {
        using var db = Context();

        Assert.False(db.Database.HasPendingModelChanges(),
            "The EF model differs from the SQL Server snapshot: add a migration with --context SqlServerFileApiDb (CONTRIBUTING.md).");
    }

    [Fact]
    public void TheIdempotentMigrationScriptIsValidTSqlAndMatchesItsSnapshot()
    {
        using var db = Context();
        var script = db.GetService<IMigrator>().GenerateScript(options: MigrationsSqlGenerationOptions.Idempotent).ReplaceLineEndings("\n");

        AssertParses(script);
        Assert.Contains("COLLATE Latin1_General_100_BIN2_UTF8", script);
        AssertMatchesSnapshot("migrations.idempotent.sql", script);
    }

    /// <summary>Every statement of Data/Providers that SQL Server runs as written, by name.</summary>
    static readonly (string Name, string Sql)[] RawTSql =
    [
        ("reconciler lock", SqlServerReconcilerLock.TryLockSql),
        ("reconciler unlock", SqlServerReconcilerLock.UnlockSql),
        ("migration session lock", SqlServerMigrationAdoption.SessionLockSql),
        ("migration session unlock", SqlServerMigrationAdoption.SessionUnlockSql),
        ("migration adoption lock", SqlServerMigrationAdoption.LockSql),
        ("legacy schema probe", SqlServerMigrationAdoption.LegacySchemaSql),
        ("version allocation at a path, top-level path", SqlServerVersionAllocation.AtPathSql(0)),
        ("version allocation at a path, three ancestors", SqlServerVersionAllocation.AtPathSql(3)),
        ("version allocation for a file", SqlServerVersionAllocation.ForFileSql),
        ("path locks, top-level path", SqlServerPathLocks.LockSql(0)),
        ("path locks, three ancestors", SqlServerPathLocks.LockSql(3)),
        ("version readiness with usage", SqlServerVersionReadiness.MarkReadySql),
        ("usage of a deleted or restored file", SqlServerWorkspaceUsageCounts.CountFileSql),
        ("versions a delivery reported", SqlServerReportedVersions.RecordSql),
        ("folder view: subfolders of the root, counted", SqlServerFolderView.SubfoldersSql(belowRoot: false, SqlServerFolderView.CountSelect)),
        ("folder view: subfolders of a folder, a page", SqlServerFolderView.SubfoldersSql(belowRoot: true, SqlServerFolderView.PageSelect)),
        ("folder view: files under each subfolder", SqlServerFolderView.FileCountsSql),
    ];

    [Fact]
    public void EveryRawTSqlStatementParsesAndMatchesItsSnapshot()
    {
        foreach (var (_, sql) in RawTSql)
            AssertParses(sql);

        AssertMatchesSnapshot("raw-tsql.sql", string.Concat(RawTSql.Select(statement => $"-- {statement.Name}\n{statement.Sql.ReplaceLineEndings("\n").TrimEnd()}\n\n")));
    }

    [Fact]
    public void PathLockResourcesFitSqlServersLimitWhateverThePathsLength()
    {
        var longest = SqlServerPathLocks.Resource($"path:{Guid.Empty}:{new string('x', 1024)}");

        Assert.True(longest.Length <= 255, longest);
        Assert.NotEqual(SqlServerPathLocks.Resource("path:a"), SqlServerPathLocks.Resource("path:b"));
    }

    static FileListing.ListQuery Listing(string? orderBy = null, string? cursor = null, string? deleted = null, string? fileName = null,
        string? author = null, string[]? createdAt = null, string[]? modifiedAt = null, string[]? deletedAt = null, string? folder = null, string? offset = null) =>
        new(Limit: "50", Offset: offset, Deleted: deleted, FileName: fileName, Author: author, CreatedAt: createdAt, ModifiedAt: modifiedAt,
            DeletedAt: deletedAt, OrderBy: orderBy, Folder: folder, Cursor: cursor);

    /// <summary>Every shape GET .../files takes: each order both ways, then with a cursor, every filter, the count.</summary>
    static IEnumerable<(string Name, FileListing.ListQuery Query)> ListingShapes()
    {
        foreach (var order in new[] { "path", "name", "created_at", "modified_at", "size", "deleted_at" })
        {
            foreach (var direction in new[] { "asc", "desc" })
            {
                yield return ($"order by {order} {direction}, offset", Listing(orderBy: $"{order}:{direction}", offset: "100"));
                var key = order is "path" or "name" ? "reports/a.csv" : "638000000000000000";
                yield return ($"order by {order} {direction}, cursor", Listing(cursor: Cursor(order, direction == "desc", key)));
            }
        }
        yield return ("deleted files by deleted_at, cursor", Listing(deleted: "true", cursor: Cursor("deleted_at", false, "638000000000000000")));
        yield return ("every filter", Listing(fileName: "50%_off", author: "user-1", createdAt: ["gte:2026-01-01T00:00:00Z", "lt:2026-02-01T00:00:00Z"],
            modifiedAt: ["gt:2026-01-15T00:00:00Z"], folder: "/reports/2026/"));
        yield return ("deleted files between dates", Listing(deleted: "true", deletedAt: ["gte:2026-01-01T00:00:00Z", "lte:2026-03-01T00:00:00Z"]));
    }

    static string Cursor(string order, bool descending, string key)
    {
        var cursor = new FileListing.ListCursor(order, descending, key, Guid.Parse("0190f5a2-0000-7000-8000-000000000001"), 100, 1000);
        return cursor.Encode();
    }

    [Fact]
    public void EveryListingQueryIsValidTSqlAndMatchesItsSnapshot()
    {
        using var db = Context();
        var rendered = new System.Text.StringBuilder();
        foreach (var (name, query) in ListingShapes())
        {
            Assert.True(FileListing.TryPlan(db, Guid.Empty, query, out var plan, out var problem), $"{name}: {problem?.ProblemDetails.Detail}");
            var page = plan.Page.ToQueryString();
            AssertParses(page);
            rendered.Append(CultureInfo.InvariantCulture, $"-- {name}\n{page.ReplaceLineEndings("\n")}\n\n");
        }
        Assert.True(FileListing.TryPlan(db, Guid.Empty, Listing(), out var first, out _));
        var count = first.Matching.Select(f => f.Id).ToQueryString();
        AssertParses(count);
        rendered.Append(CultureInfo.InvariantCulture, $"-- the rows a first page counts\n{count.ReplaceLineEndings("\n")}\n");

        // The folder view's LINQ: a folder's own files (first page, then after a cursor) and their count; the unfiltered total.
        var folder = new FolderScope(Guid.Empty, "reports/2026/");
        var view = db.Database.FolderView();
        Assert.IsType<SqlServerFolderView>(view);
        foreach (var (name, after) in new (string, (string, Guid)?)[] { ("first page", null), ("after a cursor", ("reports/2026/a.csv", Guid.Empty)) })
        {
            var files = FileListing.WithCurrentVersions(db, view.OwnFiles(db, folder, after).Skip(0).Take(101)).ToQueryString();
            AssertParses(files);
            rendered.Append(CultureInfo.InvariantCulture, $"\n-- folder view: a folder's own files, {name}\n{files.ReplaceLineEndings("\n")}\n");
        }
        var own = FolderViews.LiveIn(db, folder).Select(f => f.Id).ToQueryString();
        AssertParses(own);
        rendered.Append(CultureInfo.InvariantCulture, $"\n-- folder view: the rows its own files count\n{own.ReplaceLineEndings("\n")}\n");
        var usage = db.WorkspaceUsage.Where(u => u.WorkspaceId == Guid.Empty).Select(u => u.Files).ToQueryString();
        AssertParses(usage);
        rendered.Append(CultureInfo.InvariantCulture, $"\n-- the unfiltered total (the workspace's usage row)\n{usage.ReplaceLineEndings("\n")}\n");

        AssertMatchesSnapshot("listing.sql", rendered.ToString());
    }

    [Fact]
    public void AListingPageKeepsItsOrderAfterJoiningTheCurrentVersions()
    {
        using var db = Context();
        Assert.True(FileListing.TryPlan(db, Guid.Empty, Listing(orderBy: "modified_at:desc"), out var plan, out _));
        var sql = plan.Page.ToQueryString();

        // The outer ORDER BY, after the join, is what the client sees; the inner one only picks the page.
        var outer = sql[sql.LastIndexOf(')')..];
        Assert.Contains("ORDER BY", outer);
        Assert.Contains("[modified_at] DESC", outer);
    }

    static void AssertParses(string sql)
    {
        new TSql160Parser(initialQuotedIdentifiers: true).Parse(new StringReader(sql), out var errors);
        Assert.True(errors.Count == 0, string.Join("\n", errors.Select(e => $"line {e.Line}: {e.Message}")) + "\n" + sql);
    }

    static void AssertMatchesSnapshot(string name, string actual) => SqlSnapshots.AssertMatches(name, actual);
}
