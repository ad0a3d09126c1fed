using Microsoft.Data.SqlClient;
using Microsoft.EntityFrameworkCore;

namespace FileApi.Data.Providers;

/// <summary>
/// Adds (sign 1) or removes (-1) a file and the bytes of its ready versions to or from its workspace's usage, in one
/// statement inside the caller's transaction, right after the statement that made the file live or deleted (whose row
/// lock keeps a concurrent readiness, which locks the file row first, from counting twice or not at all).
/// </summary>
public interface IWorkspaceUsageCounts
{
    Task CountFileAsync(FileApiDb db, Guid fileId, int sign, CancellationToken ct);
}

sealed class PostgreSqlWorkspaceUsageCounts : IWorkspaceUsageCounts
{
    public async Task CountFileAsync(FileApiDb db, Guid fileId, int sign, CancellationToken ct) =>
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO workspace_usage AS u (workspace_id, files, bytes)
            SELECT f.workspace_id, {sign} * (CASE WHEN f.current_version_id IS NULL THEN 0 ELSE 1 END),
                   {sign} * COALESCE((SELECT sum(v.size) FROM file_versions v WHERE v.file_id = f.id AND v.status = {nameof(VersionStatus.Ready)}), 0)
              FROM files f WHERE f.id = {fileId}
            ON CONFLICT (workspace_id) DO UPDATE SET files = u.files + EXCLUDED.files, bytes = u.bytes + EXCLUDED.bytes
            """, ct);
}

/// <summary>The same upsert as MERGE under HOLDLOCK (no two inserts of one workspace's row).</summary>
sealed class SqlServerWorkspaceUsageCounts : IWorkspaceUsageCounts
{
    internal const string CountFileSql = """
        MERGE workspace_usage WITH (HOLDLOCK) AS u
        USING (SELECT f.workspace_id, @sign * (CASE WHEN f.current_version_id IS NULL THEN 0 ELSE 1 END) AS files,
                      @sign * COALESCE((SELECT SUM(v.size) FROM file_versions AS v WHERE v.file_id = f.id AND v.status = N'Ready'), 0) AS bytes
                 FROM files AS f WHERE f.id = @file_id) AS s
           ON u.workspace_id = s.workspace_id
        WHEN MATCHED THEN UPDATE SET files = u.files + s.files, bytes = u.bytes + s.bytes
        WHEN NOT MATCHED THEN INSERT (workspace_id, files, bytes) VALUES (s.workspace_id, s.files, s.bytes);
        """;

    public async Task CountFileAsync(FileApiDb db, Guid fileId, int sign, CancellationToken ct) =>
        await db.Database.ExecuteSqlRawAsync(CountFileSql, [new SqlParameter("@sign", (long)sign), new SqlParameter("@file_id", fileId)], ct);
}
