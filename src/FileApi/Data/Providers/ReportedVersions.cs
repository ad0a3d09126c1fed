using System.Text.Json;
using Microsoft.Data.SqlClient;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace FileApi.Data.Providers;

/// <summary>A version named by its (file, version) pair, as a blob name names it.</summary>
public readonly record struct VersionKey(Guid FileId, long VersionId);

/// <summary>
/// Records that storage reported these versions' blobs (<c>blob_reported_at</c>), in one statement whatever their number:
/// exactly the named (file, version) pairs, only while uploading and not yet recorded. The pairs go as data (two arrays,
/// or one JSON array), not as SQL: the statement's text is the same for every delivery, so nothing is built or compiled
/// per delivery, and a pair of lists cannot widen into every file with every version id.
/// </summary>
public interface IReportedVersions
{
    Task RecordAsync(FileApiDb db, IReadOnlyCollection<VersionKey> versions, DateTimeOffset now, CancellationToken ct);
}

sealed class PostgreSqlReportedVersions : IReportedVersions
{
    public async Task RecordAsync(FileApiDb db, IReadOnlyCollection<VersionKey> versions, DateTimeOffset now, CancellationToken ct)
    {
        var fileIds = new NpgsqlParameter("file_ids", NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = versions.Select(v => v.FileId).ToArray() };
        var versionIds = new NpgsqlParameter("version_ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = versions.Select(v => v.VersionId).ToArray() };
        // The rows are locked in key order before the update: two deliveries naming the same versions in other orders (Event
        // Grid's duplicates come in any order) would otherwise each hold some and wait for the other's, and one die of a deadlock.
        await db.Database.ExecuteSqlAsync($"""
            WITH reported AS (
                SELECT v.file_id, v.version_id FROM file_versions v
                  JOIN unnest({fileIds}, {versionIds}) AS r(file_id, version_id) ON v.file_id = r.file_id AND v.version_id = r.version_id
                 WHERE v.status = 'Uploading' AND v.blob_reported_at IS NULL
                 ORDER BY v.file_id, v.version_id
                   FOR UPDATE OF v)
            UPDATE file_versions v SET blob_reported_at = {now}
              FROM reported r
             WHERE v.file_id = r.file_id AND v.version_id = r.version_id
               AND v.status = 'Uploading' AND v.blob_reported_at IS NULL
            """, ct);
    }
}

/// <summary>
/// The same update joined to the pairs as a JSON array read by OPENJSON (one parameter, far inside SQL Server's 2,100). The pairs
/// go through a table keyed as file_versions is, and a loop join in the written order seeks the rows in that key order, so two
/// deliveries naming the same versions in other orders take their locks in one order and cannot deadlock.
/// </summary>
sealed class SqlServerReportedVersions : IReportedVersions
{
    internal const string RecordSql = """
        SET NOCOUNT ON;
        DECLARE @reported TABLE (file_id uniqueidentifier NOT NULL, version_id bigint NOT NULL, PRIMARY KEY (file_id, version_id));
        INSERT INTO @reported (file_id, version_id)
        SELECT DISTINCT file_id, version_id FROM OPENJSON(@versions) WITH (file_id uniqueidentifier '$.file_id', version_id bigint '$.version_id');
        UPDATE v SET blob_reported_at = @now
          FROM @reported AS r
          INNER LOOP JOIN file_versions AS v WITH (ROWLOCK) ON v.file_id = r.file_id AND v.version_id = r.version_id
         WHERE v.status = N'Uploading' AND v.blob_reported_at IS NULL
        OPTION (FORCE ORDER);
        """;

    public async Task RecordAsync(FileApiDb db, IReadOnlyCollection<VersionKey> versions, DateTimeOffset now, CancellationToken ct)
    {
        var json = JsonSerializer.Serialize(versions.Select(v => new { file_id = v.FileId, version_id = v.VersionId }));
        await db.Database.ExecuteSqlRawAsync(RecordSql,
            [new SqlParameter("@versions", System.Data.SqlDbType.NVarChar, -1) { Value = json }, new SqlParameter("@now", now)], ct);
    }
}
