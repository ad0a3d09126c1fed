using FileApi.Data.Providers;
using FileApi.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace FileApi.Tests.Data.SqlServer;

/// <summary>
/// What can be proven about the SQL Server provider without a SQL Server: the model matches its migrations, the
/// migration script and every raw T-SQL statement parse, and the script is checked in so a change shows in review.
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

    [Fact]
    public void EveryRawTSqlStatementParses()
    {
        AssertParses(SqlServerReconcilerLock.TryLockSql);
        AssertParses(SqlServerReconcilerLock.UnlockSql);
        AssertParses(SqlServerMigrationAdoption.LockSql);
        AssertParses(SqlServerMigrationAdoption.LegacySchemaSql);
        AssertParses(SqlServerVersionAllocation.AtPathSql);
        AssertParses(SqlServerVersionAllocation.ForFileSql);
    }

    [Fact]
    public void APathLookupIsRenderedForSqlServerOverTheBinaryCollatedKey()
    {
        using var db = Context();
        var workspace = Guid.Empty;
        var sql = db.Files.Where(f => f.WorkspaceId == workspace && f.PathKey == "/a/b.csv" && f.DeletedAt == null).ToQueryString();

        AssertParses(sql);
        Assert.Contains("[f].[path_key]", sql);
    }

    static void AssertParses(string sql)
    {
        new TSql160Parser(initialQuotedIdentifiers: true).Parse(new StringReader(sql), out var errors);
        Assert.True(errors.Count == 0, string.Join("\n", errors.Select(e => $"line {e.Line}: {e.Message}")) + "\n" + sql);
    }

    // Writes the snapshot when it is missing (commit it); otherwise a difference fails until the snapshot is updated on purpose.
    static void AssertMatchesSnapshot(string name, string actual)
    {
        var path = Path.Combine(Snapshots, name);
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Snapshots);
            File.WriteAllText(path, actual);
        }
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), actual);
    }
}
