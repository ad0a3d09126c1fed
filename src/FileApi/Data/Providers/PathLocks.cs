using System.Security.Cryptography;
using System.Text;
using FileApi.Files;
using Microsoft.Data.SqlClient;
using Microsoft.EntityFrameworkCore;

namespace FileApi.Data.Providers;

/// <summary>
/// Locks on path keys held until the caller's transaction ends: each of <c>sharedKeys</c> shared, in the order
/// given, then <c>exclusiveKey</c> exclusive. Registration and restore use them to keep a file and a folder from sharing a name.
/// </summary>
public interface IPathLocks
{
    Task LockAsync(FileApiDb db, IReadOnlyList<string> sharedKeys, string exclusiveKey, CancellationToken ct);
}

/// <summary>
/// What keeps a file and a folder from sharing a name at <see cref="Path"/> (a synced Windows or macOS folder cannot hold
/// both): no live file may be one of its <see cref="AncestorKeys"/> ("x" for "x/y.txt") or lie under it (from
/// <see cref="UnderFrom"/> up to, not including, <see cref="UnderTo"/>). The unique index cannot see that, so each
/// ancestor's lock key is taken shared, top-down, and the path's own exclusive: a file "x" and a file "x/y.txt" meet on
/// the key of "x" and are decided one after the other, while files side by side in a folder never wait. The check must
/// read after the locks are granted, so it is a statement of its own after theirs (a statement reads what was committed when it began).
/// </summary>
public sealed record PathClaim(FilePath Path, string[] AncestorKeys, string[] SharedLockKeys, string ExclusiveLockKey)
{
    public static PathClaim For(Guid workspaceId, FilePath path)
    {
        var segments = path.Key.Split('/');
        var ancestors = Enumerable.Range(1, segments.Length - 1).Select(n => string.Join('/', segments[..n])).ToArray();
        return new(path, ancestors, [.. ancestors.Select(ancestor => LockKey(workspaceId, ancestor))], LockKey(workspaceId, path.Key));
    }

    static string LockKey(Guid workspaceId, string pathKey) => $"path:{workspaceId}:{pathKey}";

    /// <summary>The first key under the path ("x/"); keys are compared byte by byte (collation "C" / BIN2).</summary>
    public string UnderFrom => Path.Key + "/";

    /// <summary>The first key past every key under the path ("x0": '0' follows '/'), so "under" is one index range.</summary>
    public string UnderTo => Path.Key + "0";
}

/// <summary>Transaction-level advisory locks on a 64-bit hash of each key, all in one statement.</summary>
sealed class PostgreSqlPathLocks : IPathLocks
{
    /// <summary>
    /// The shared locks, in the array's order, then the exclusive one: the outer call needs the inner aggregate's one
    /// row, so it runs after every shared lock is granted.
    /// </summary>
    internal static FormattableString LockSql(string[] sharedKeys, string exclusiveKey) => $"""
        SELECT pg_advisory_xact_lock(hashtextextended({exclusiveKey}, 0))
          FROM (SELECT count(pg_advisory_xact_lock_shared(hashtextextended(k, 0))) FROM unnest({sharedKeys}) AS k) AS shared
        """;

    public async Task LockAsync(FileApiDb db, IReadOnlyList<string> sharedKeys, string exclusiveKey, CancellationToken ct) =>
        await db.Database.ExecuteSqlAsync(LockSql([.. sharedKeys], exclusiveKey), ct);
}

/// <summary>
/// Transaction-owned application locks (<c>sp_getapplock</c>), all in one batch. A resource name holds at most
/// 255 characters and a key up to about 1,100, so each lock is on the key's SHA-256; a collision would only make two paths take turns.
/// </summary>
sealed class SqlServerPathLocks : IPathLocks
{
    /// <summary>The batch for <paramref name="sharedCount"/> shared locks (@r0, @r1, …) then the exclusive one (@rx); a lock not granted (deadlock victim, timeout) raises.</summary>
    internal static string LockSql(int sharedCount)
    {
        var sql = new StringBuilder("SET NOCOUNT ON;\nDECLARE @result int;\n");
        foreach (var (resource, mode) in Enumerable.Range(0, sharedCount).Select(n => ($"@r{n}", "Shared")).Append(("@rx", "Exclusive")))
        {
            sql.Append("EXEC @result = sp_getapplock @Resource = ").Append(resource)
                .Append(", @LockMode = '").Append(mode).Append("', @LockOwner = 'Transaction';\n")
                .Append("IF @result < 0 THROW 51000, N'FileApi: a path lock was not granted.', 1;\n");
        }
        return sql.ToString();
    }

    internal static string Resource(string key) => "FileApi.Path:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public async Task LockAsync(FileApiDb db, IReadOnlyList<string> sharedKeys, string exclusiveKey, CancellationToken ct)
    {
        var parameters = sharedKeys.Select((key, n) => new SqlParameter($"@r{n}", Resource(key)))
            .Append(new SqlParameter("@rx", Resource(exclusiveKey)));
        await db.Database.ExecuteSqlRawAsync(LockSql(sharedKeys.Count), parameters, ct);
    }
}
