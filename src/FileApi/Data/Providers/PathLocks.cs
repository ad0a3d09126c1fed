using System.Security.Cryptography;
using System.Text;
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

/// <summary>Transaction-level advisory locks on a 64-bit hash of each key; all shared ones in one round trip.</summary>
sealed class PostgreSqlPathLocks : IPathLocks
{
    public async Task LockAsync(FileApiDb db, IReadOnlyList<string> sharedKeys, string exclusiveKey, CancellationToken ct)
    {
        if (sharedKeys.Count > 0)
        {
            var keys = sharedKeys.ToArray();
            await db.Database.ExecuteSqlAsync(
                $"SELECT count(pg_advisory_xact_lock_shared(hashtextextended(k, 0))) FROM unnest({keys}) AS k", ct);
        }
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({exclusiveKey}, 0))", ct);
    }
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
