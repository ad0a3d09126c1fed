using FileApi.Storage;
using Microsoft.Data.SqlClient;
using Microsoft.EntityFrameworkCore;

namespace FileApi.Data.Providers;

/// <summary>What an uploading version becomes ready with, and who may make it so (the claim's holder, or anyone while no live claim is held).</summary>
public sealed record ReadyVersion(Guid FileId, long VersionId, BlobProperties Properties, string? Verified, Guid? Claim, DateTimeOffset Now, DateTimeOffset StaleBefore);

/// <summary>
/// Uploading → ready in one statement (one batch on SQL Server), inside the caller's transaction: the file row locked
/// first, so readiness, deletion and restore of one file count in usage one after another; for a live file, its ready
/// bytes (and the file itself, with its first ready version) added to its workspace's usage only if they fit the
/// workspace's quota, judged on the usage row as locked; the version's update, whose row count is the answer, only if
/// they fit or the file is deleted (a deleted file counts in nothing); and the file's current version moved to it
/// unless a newer one is ready.
/// </summary>
public interface IVersionReadiness
{
    /// <summary>
    /// <see cref="ReadinessAnswer.Ready"/> 1 when the version became ready, 0 when it was not uploading, another holds its
    /// claim, or its bytes did not fit the quota (<see cref="ReadinessAnswer.OverQuota"/>).
    /// </summary>
    Task<ReadinessAnswer> MarkReadyAsync(FileApiDb db, ReadyVersion version, CancellationToken ct);
}

public sealed record ReadinessAnswer(int Ready, bool OverQuota);

sealed class PostgreSqlVersionReadiness : IVersionReadiness
{
    const string UploadingStatus = nameof(VersionStatus.Uploading);
    const string ReadyStatus = nameof(VersionStatus.Ready);

    public async Task<ReadinessAnswer> MarkReadyAsync(FileApiDb db, ReadyVersion version, CancellationToken ct)
    {
        var (fileId, versionId, properties, verified, claim, now, staleBefore) = version;
        var (claimed, token) = (claim is not null, claim ?? Guid.Empty);
        return (await db.Database.SqlQuery<ReadinessAnswer>($"""
            -- The file row is locked first, so readiness, deletion and restore of one file count in usage one after another.
            WITH locked AS (
                SELECT id, workspace_id, deleted_at, current_version_id FROM files WHERE id = {fileId} FOR UPDATE),
            -- A live file's ready bytes count in its workspace's usage, and the file itself with its first ready version,
            -- judged on the file row as locked (the latest committed one). The quota check is the upsert's own predicate:
            -- ON CONFLICT locks the usage row and judges its latest committed bytes, so concurrent readiness in one workspace
            -- is decided one after another and usage never passes the quota. No row back means it did not fit.
            usage AS (
                INSERT INTO workspace_usage AS u (workspace_id, files, bytes)
                SELECT locked.workspace_id, CASE WHEN locked.current_version_id IS NULL THEN 1 ELSE 0 END, {properties.ContentLength}
                  FROM locked JOIN workspaces w ON w.id = locked.workspace_id
                 WHERE locked.deleted_at IS NULL AND (w.quota_bytes IS NULL OR {properties.ContentLength} <= w.quota_bytes)
                ON CONFLICT (workspace_id) DO UPDATE SET files = u.files + EXCLUDED.files, bytes = u.bytes + EXCLUDED.bytes
                 WHERE NOT EXISTS (SELECT 1 FROM workspaces w WHERE w.id = u.workspace_id AND u.bytes + EXCLUDED.bytes > w.quota_bytes)
                RETURNING u.workspace_id),
            ready AS (
                UPDATE file_versions
                   SET status = {ReadyStatus}, size = {properties.ContentLength}, etag = {properties.ETag},
                       blob_version_id = CAST({properties.VersionId} AS varchar), verified = CAST({verified} AS varchar), ready_at = {now},
                       verification_owner = NULL, verification_token = NULL, verification_claimed_at = NULL
                 WHERE file_id = {fileId} AND version_id = {versionId} AND status = {UploadingStatus}
                   AND (({claimed} AND verification_token = {token})
                        OR (NOT {claimed} AND (verification_token IS NULL OR verification_claimed_at < {staleBefore})))
                   AND EXISTS (SELECT 1 FROM locked)
                   -- A deleted file's versions count in nothing until it is restored, so they need no room.
                   AND (EXISTS (SELECT 1 FROM usage) OR EXISTS (SELECT 1 FROM locked WHERE deleted_at IS NOT NULL))
                RETURNING file_id, version_id, size, created_at),
            current AS (
                UPDATE files f SET current_version_id = ready.version_id, current_size = ready.size, modified_at = ready.created_at
                  FROM ready
                 WHERE f.id = ready.file_id AND (f.current_version_id IS NULL OR f.current_version_id < ready.version_id)
                RETURNING f.id)
            SELECT (SELECT count(*) FROM ready)::int AS "Ready",
                   (NOT EXISTS (SELECT 1 FROM usage) AND EXISTS (SELECT 1 FROM locked WHERE deleted_at IS NULL)) AS "OverQuota"
            """).ToListAsync(ct)).Single();
    }
}

/// <summary>
/// The same steps as one batch: an UPDLOCK read of the file row (a locking read of the latest committed row, held until
/// the transaction ends, also under read committed snapshot); for a live file, the workspace's usage row read under
/// UPDLOCK, HOLDLOCK (so concurrent readiness in one workspace is judged one after another, and a missing row stays
/// missing) against its quota; the two updates with their OUTPUT in table variables, the version's only if the bytes fit
/// or the file is deleted; then the usage upsert as MERGE under HOLDLOCK, so two first readies in a new workspace cannot
/// both insert its row.
/// </summary>
sealed class SqlServerVersionReadiness : IVersionReadiness
{
    internal const string MarkReadySql = """
        SET NOCOUNT ON;
        DECLARE @locked TABLE (workspace_id uniqueidentifier NOT NULL, deleted_at datetimeoffset NULL, current_version_id bigint NULL);
        DECLARE @ready TABLE (size bigint NULL, created_at datetimeoffset NOT NULL);
        DECLARE @fits bit = 1;
        INSERT INTO @locked (workspace_id, deleted_at, current_version_id)
        SELECT workspace_id, deleted_at, current_version_id FROM files WITH (UPDLOCK, ROWLOCK) WHERE id = @file_id;
        SELECT @fits = CASE WHEN w.quota_bytes IS NULL OR COALESCE(u.bytes, 0) + @size <= w.quota_bytes THEN 1 ELSE 0 END
          FROM @locked AS l
          JOIN workspaces AS w ON w.id = l.workspace_id
          LEFT JOIN workspace_usage AS u WITH (UPDLOCK, HOLDLOCK) ON u.workspace_id = l.workspace_id
         WHERE l.deleted_at IS NULL;
        UPDATE file_versions
           SET status = N'Ready', size = @size, etag = @etag, blob_version_id = @blob_version_id, verified = @verified, ready_at = @now,
               verification_owner = NULL, verification_token = NULL, verification_claimed_at = NULL
        OUTPUT inserted.size, inserted.created_at INTO @ready
         WHERE file_id = @file_id AND version_id = @version_id AND status = N'Uploading'
           AND ((@claimed = 1 AND verification_token = @token)
                OR (@claimed = 0 AND (verification_token IS NULL OR verification_claimed_at < @stale_before)))
           AND EXISTS (SELECT 1 FROM @locked)
           AND @fits = 1;
        UPDATE f SET current_version_id = @version_id, current_size = r.size, modified_at = r.created_at
          FROM files AS f CROSS JOIN @ready AS r
         WHERE f.id = @file_id AND (f.current_version_id IS NULL OR f.current_version_id < @version_id);
        MERGE workspace_usage WITH (HOLDLOCK) AS u
        USING (SELECT l.workspace_id, CASE WHEN l.current_version_id IS NULL THEN 1 ELSE 0 END AS files, r.size AS bytes
                 FROM @ready AS r CROSS JOIN @locked AS l
                WHERE l.deleted_at IS NULL) AS s
           ON u.workspace_id = s.workspace_id
        WHEN MATCHED THEN UPDATE SET files = u.files + s.files, bytes = u.bytes + s.bytes
        WHEN NOT MATCHED THEN INSERT (workspace_id, files, bytes) VALUES (s.workspace_id, s.files, s.bytes);
        SELECT (SELECT COUNT(*) FROM @ready) AS [Ready], CAST(CASE WHEN @fits = 0 THEN 1 ELSE 0 END AS bit) AS [OverQuota];
        """;

    public async Task<ReadinessAnswer> MarkReadyAsync(FileApiDb db, ReadyVersion version, CancellationToken ct) =>
        (await db.Database.SqlQueryRaw<ReadinessAnswer>(MarkReadySql,
            new SqlParameter("@file_id", version.FileId),
            new SqlParameter("@version_id", version.VersionId),
            new SqlParameter("@size", version.Properties.ContentLength),
            new SqlParameter("@etag", version.Properties.ETag),
            new SqlParameter("@blob_version_id", (object?)version.Properties.VersionId ?? DBNull.Value),
            new SqlParameter("@verified", (object?)version.Verified ?? DBNull.Value),
            new SqlParameter("@now", version.Now),
            new SqlParameter("@claimed", version.Claim is not null),
            new SqlParameter("@token", version.Claim ?? Guid.Empty),
            new SqlParameter("@stale_before", version.StaleBefore)).ToListAsync(ct)).Single();
}
