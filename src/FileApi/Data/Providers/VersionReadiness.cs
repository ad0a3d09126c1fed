using FileApi.Storage;
using Microsoft.Data.SqlClient;
using Microsoft.EntityFrameworkCore;

namespace FileApi.Data.Providers;

/// <summary>What an uploading version becomes ready with, and who may make it so (the claim's holder, or anyone while no live claim is held).</summary>
public sealed record ReadyVersion(Guid FileId, long VersionId, BlobProperties Properties, string? Verified, Guid? Claim, DateTimeOffset Now, DateTimeOffset StaleBefore);

/// <summary>
/// Uploading → ready in one statement (one batch on SQL Server), inside the caller's transaction: the file row locked
/// first, so readiness, deletion and restore of one file count in usage one after another; the version's update, whose
/// row count is the answer; the file's current version moved to it unless a newer one is ready; and, for a live file,
/// its ready bytes (and the file itself, with its first ready version) added to its workspace's usage.
/// </summary>
public interface IVersionReadiness
{
    /// <summary>1 when the version became ready, 0 when it was not uploading or another holds its claim.</summary>
    Task<int> MarkReadyAsync(FileApiDb db, ReadyVersion version, CancellationToken ct);
}

sealed class PostgreSqlVersionReadiness : IVersionReadiness
{
    const string UploadingStatus = nameof(VersionStatus.Uploading);
    const string ReadyStatus = nameof(VersionStatus.Ready);

    public async Task<int> MarkReadyAsync(FileApiDb db, ReadyVersion version, CancellationToken ct)
    {
        var (fileId, versionId, properties, verified, claim, now, staleBefore) = version;
        var (claimed, token) = (claim is not null, claim ?? Guid.Empty);
        return (await db.Database.SqlQuery<int>($"""
            -- The file row is locked first, so readiness, deletion and restore of one file count in usage one after another.
            WITH locked AS (
                SELECT id, workspace_id, deleted_at, current_version_id FROM files WHERE id = {fileId} FOR UPDATE),
            ready AS (
                UPDATE file_versions
                   SET status = {ReadyStatus}, size = {properties.ContentLength}, etag = {properties.ETag},
                       blob_version_id = CAST({properties.VersionId} AS varchar), verified = CAST({verified} AS varchar), ready_at = {now},
                       verification_owner = NULL, verification_token = NULL, verification_claimed_at = NULL
                 WHERE file_id = {fileId} AND version_id = {versionId} AND status = {UploadingStatus}
                   AND (({claimed} AND verification_token = {token})
                        OR (NOT {claimed} AND (verification_token IS NULL OR verification_claimed_at < {staleBefore})))
                   AND EXISTS (SELECT 1 FROM locked)
                RETURNING file_id, version_id, size, created_at),
            current AS (
                UPDATE files f SET current_version_id = ready.version_id, current_size = ready.size, modified_at = ready.created_at
                  FROM ready
                 WHERE f.id = ready.file_id AND (f.current_version_id IS NULL OR f.current_version_id < ready.version_id)
                RETURNING f.id),
            -- A live file's ready bytes count in its workspace's usage, and the file itself with its first ready version,
            -- judged on the file row as locked (the latest committed one).
            usage AS (
                INSERT INTO workspace_usage AS u (workspace_id, files, bytes)
                SELECT locked.workspace_id, CASE WHEN locked.current_version_id IS NULL THEN 1 ELSE 0 END, ready.size
                  FROM ready JOIN locked ON locked.id = ready.file_id
                 WHERE locked.deleted_at IS NULL
                ON CONFLICT (workspace_id) DO UPDATE SET files = u.files + EXCLUDED.files, bytes = u.bytes + EXCLUDED.bytes
                RETURNING u.workspace_id)
            SELECT count(*)::int AS "Value" FROM ready
            """).ToListAsync(ct)).Single();
    }
}

/// <summary>
/// The same steps as one batch: an UPDLOCK read of the file row (a locking read of the latest committed row, held until
/// the transaction ends, also under read committed snapshot), the two updates with their OUTPUT in table variables, and
/// the usage upsert as MERGE under HOLDLOCK, so two first readies in a new workspace cannot both insert its row.
/// </summary>
sealed class SqlServerVersionReadiness : IVersionReadiness
{
    internal const string MarkReadySql = """
        SET NOCOUNT ON;
        DECLARE @locked TABLE (workspace_id uniqueidentifier NOT NULL, deleted_at datetimeoffset NULL, current_version_id bigint NULL);
        DECLARE @ready TABLE (size bigint NULL, created_at datetimeoffset NOT NULL);
        INSERT INTO @locked (workspace_id, deleted_at, current_version_id)
        SELECT workspace_id, deleted_at, current_version_id FROM files WITH (UPDLOCK, ROWLOCK) WHERE id = @file_id;
        UPDATE file_versions
           SET status = N'Ready', size = @size, etag = @etag, blob_version_id = @blob_version_id, verified = @verified, ready_at = @now,
               verification_owner = NULL, verification_token = NULL, verification_claimed_at = NULL
        OUTPUT inserted.size, inserted.created_at INTO @ready
         WHERE file_id = @file_id AND version_id = @version_id AND status = N'Uploading'
           AND ((@claimed = 1 AND verification_token = @token)
                OR (@claimed = 0 AND (verification_token IS NULL OR verification_claimed_at < @stale_before)))
           AND EXISTS (SELECT 1 FROM @locked);
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
        SELECT COUNT(*) AS [Value] FROM @ready;
        """;

    public async Task<int> MarkReadyAsync(FileApiDb db, ReadyVersion version, CancellationToken ct) =>
        (await db.Database.SqlQueryRaw<int>(MarkReadySql,
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
