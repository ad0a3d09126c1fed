using System.Text.RegularExpressions;
using FileApi.Tests.Infrastructure;

namespace FileApi.Tests.Data;

/// <summary>PostgreSQL-only SQL belongs in src/FileApi/Data/Providers (and migrations/PostgreSql), so SQL Server gets an equivalent for each.</summary>
public sealed partial class ProviderSqlBoundaryTests
{
    // Files allowed to hold PostgreSQL SQL outside the provider folder. Empty, and meant to stay so: add an
    // interface in Data/Providers (one implementation per provider) rather than a file here.
    static readonly string[] Allowed = [];

    [GeneratedRegex(@"\bpg_\w+\s*\(|hashtext|unnest\s*\(|\bILIKE\b|ON CONFLICT|RETURNING\s|COLLATE ""C""|\w::\w|FOR UPDATE|SKIP LOCKED|to_regclass|timestamptz|interval '|NpgsqlCommand|NpgsqlParameter|PostgresException|PostgresErrorCodes")]
    private static partial Regex PostgreSqlOnly();

    [Fact]
    public void NoPostgreSqlSpecificSqlAppearsOutsideTheProviderFolder()
    {
        var src = Path.Combine(Repository.Root, "src", "FileApi");
        var offenders = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(Repository.Root, file).Replace('\\', '/'))
            .Where(file => !file.StartsWith("src/FileApi/Data/Providers/") && !file.Contains("/bin/") && !file.Contains("/obj/") && !Allowed.Contains(file))
            .Where(file => PostgreSqlOnly().IsMatch(File.ReadAllText(Path.Combine(Repository.Root, file))))
            .ToList();

        Assert.Empty(offenders);
    }
}
