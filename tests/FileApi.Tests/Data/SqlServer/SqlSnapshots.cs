using FileApi.Tests.Infrastructure;
using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace FileApi.Tests.Data.SqlServer;

/// <summary>
/// The checked-in T-SQL under Snapshots/, so a change that alters SQL shows in review. A missing snapshot is written;
/// FILEAPI_UPDATE_SNAPSHOTS=1 rewrites every one the tests render (then read the diff and commit it).
/// </summary>
static class SqlSnapshots
{
    static readonly string Folder = Path.Combine(Repository.Root, "tests", "FileApi.Tests", "Data", "SqlServer", "Snapshots");

    static bool Update => Environment.GetEnvironmentVariable("FILEAPI_UPDATE_SNAPSHOTS") == "1";

    public static void AssertParses(string sql)
    {
        new TSql160Parser(initialQuotedIdentifiers: true).Parse(new StringReader(sql), out var errors);
        Assert.True(errors.Count == 0, string.Join("\n", errors.Select(e => $"line {e.Line}: {e.Message}")) + "\n" + sql);
    }

    public static void AssertMatches(string name, string actual)
    {
        var path = Path.Combine(Folder, name);
        if (Update || !File.Exists(path))
        {
            Directory.CreateDirectory(Folder);
            File.WriteAllText(path, actual);
        }
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), actual);
    }
}
