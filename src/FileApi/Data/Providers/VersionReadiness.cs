using System.Text.Json;
using FileApi.Storage;
using Microsoft.Data.SqlClient;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace FileApi.Data.Providers;

/// <summary>What an uploading version becomes ready with; with a claim, only the claim's holder may make it so, without one anyone while no live claim is held.</summary>
public sealed record ReadyVersion(Guid FileId, long VersionId, BlobProperties Properties, string? Verified, Guid? Claim);

/// <summary>
/// What readiness made of one version (<see cref="ReadinessAnswer.Outcome"/>: one of <see cref="ReadinessOutcomes"/>), and whether
/// its workspace has a webhook endpoint (<see cref="ReadinessAnswer.Watched"/>), so that an unwatched one costs the outbox no query.
/// </summary>
public sealed record ReadinessAnswer(Guid FileId, long VersionId, string Outcome, bool Watched);

public static class ReadinessOutcomes
{
    /// <summary>It became ready, its bytes counted in its workspace's usage.</summary>
    public const string Ready = "ready";
    /// <summary>It was not uploading (or another holds its claim) when judged: nothing changed for it.</summary>
    public const string Settled = "settled";
    /// <summary>Its bytes did not fit its workspace's quota, judged on the usage row as locked: nothing changed for it.</summary>
    public const string OverQuota = "over-quota";
    /// <summary>
    /// It was judged to fit, but its workspace's usage row, created meanwhile by another transaction, refused the batch's
    /// bytes (PostgreSQL only): nothing changed for it or its workspace; judged alone, it fits or it is over quota.
    /// </summary>
    public const string Retry = "retry";
    /// <summary>
    /// It was judged to fit and counted in usage, but left uploading between the judgement and the update: the caller must
    /// roll the transaction back, since its bytes were counted (and others judged beside them).
    /// </summary>
    public const string Stale = "stale";
}

/// <summary>
/// Uploading → ready for a set of versions in one statement (one batch on SQL Server), inside the caller's transaction:
/// their file rows locked first, in id order, so readiness, deletion and restore of one file count in usage one after
/// another and two batches cannot deadlock; then each live file's workspace usage row, locked, against which the versions
/// are judged in ascending size (as if completed one after another, smallest first): a version fits its workspace's quota
/// if the usage as locked plus its own bytes and those of the smaller ones before it does; a deleted file's versions count
/// in nothing and need no room. The fitting versions' updates (whose row counts are the answer), their bytes (and each file
/// with its first ready version) added once per workspace, and each file's current version moved to its newest ready one
/// unless a newer one is ready. Each answer also says whether the version's workspace has a webhook endpoint, so the outbox
/// is asked only for watched ones. A batch of one is exactly the single completion: every caller uses this statement.
/// </summary>
public interface IVersionReadiness
{
    /// <summary>One answer per version asked; a <see cref="ReadinessOutcomes.Stale"/> one means the transaction must be rolled back.</summary>
    Task<IReadOnlyList<ReadinessAnswer>> MarkReadyAsync(FileApiDb db, IReadOnlyList<ReadyVersion> versions, DateTimeOffset now, DateTimeOffset staleBefore, CancellationToken ct);
}

sealed class PostgreSqlVersionReadiness : IVersionReadiness
{
    public async Task<IReadOnlyList<ReadinessAnswer>> MarkReadyAsync(
        FileApiDb db, IReadOnlyList<ReadyVersion> versions, DateTimeOffset now, DateTimeOffset staleBefore, CancellationToken ct)
    {
        // The versions go as parallel arrays, unnested into rows: one statement whatever the batch's size.
        NpgsqlParameter Array<T>(string name, NpgsqlDbType type, Func<ReadyVersion, T> value) =>
            new(name, NpgsqlDbType.Array | type) { Value = versions.Select(value).ToArray() };
        var fileIds = Array("file_ids", NpgsqlDbType.Uuid, v => v.FileId);
        var versionIds = Array("version_ids", NpgsqlDbType.Bigint, v => v.VersionId);
        var sizes = Array("sizes", NpgsqlDbType.Bigint, v => v.Properties.ContentLength);
        var etags = Array("etags", NpgsqlDbType.Text, v => v.Properties.ETag);
        var blobVersionIds = Array("blob_version_ids", NpgsqlDbType.Text, v => v.Properties.VersionId);
        var blobSnapshots = Array("blob_snapshots", NpgsqlDbType.Text, v => v.Properties.Snapshot);
        var verified = Array("verified", NpgsqlDbType.Text, v => v.Verified);
        var tokens = Array("tokens", NpgsqlDbType.Uuid, v => v.Claim);
        return await db.Database.SqlQuery<ReadinessAnswer>($"""
            WITH input AS (
                SELECT * FROM unnest({fileIds}, {versionIds}, {sizes}, {etags}, {blobVersionIds}, {blobSnapshots}, {verified}, {tokens})
                    AS i(file_id, version_id, size, etag, blob_version_id, blob_snapshot, verified, token)),
            -- The file rows are locked first, in id order, so readiness, deletion and restore of one file count in usage one after another.
            locked AS (
                SELECT id, workspace_id, deleted_at, current_version_id FROM files
                 WHERE id IN (SELECT file_id FROM input) ORDER BY id FOR UPDATE),
            -- Then their version rows, in key order (the files' ids as one array, an init plan, so after the files): a delivery
            -- recording reported versions locks them in the same order, so neither waits for the other holding what it needs.
            versions_locked AS (
                SELECT v.file_id, v.version_id, v.status, v.verification_token, v.verification_claimed_at FROM file_versions v
                 WHERE v.file_id = ANY (ARRAY(SELECT id FROM locked)) AND (v.file_id, v.version_id) IN (SELECT file_id, version_id FROM input)
                 ORDER BY v.file_id, v.version_id FOR UPDATE OF v),
            candidates AS (
                SELECT i.*, l.workspace_id, l.deleted_at IS NULL AS live, l.current_version_id IS NULL AS first_ready
                  FROM input i JOIN locked l ON l.id = i.file_id
                  JOIN versions_locked v ON v.file_id = i.file_id AND v.version_id = i.version_id
                 WHERE v.status = 'Uploading'
                   AND ((i.token IS NOT NULL AND v.verification_token = i.token)
                        OR (i.token IS NULL AND (v.verification_token IS NULL OR v.verification_claimed_at < {staleBefore})))),
            -- A locking read answers the latest committed row, so concurrent readiness in one workspace is judged one after another.
            -- Its workspaces come as one array (an init plan): every file row is locked before any usage row, as deletion locks them.
            usage_locked AS (
                SELECT workspace_id, bytes FROM workspace_usage
                 WHERE workspace_id = ANY (ARRAY(SELECT DISTINCT workspace_id FROM candidates WHERE live))
                 ORDER BY workspace_id FOR UPDATE),
            judged AS (
                SELECT c.*, c.live AND w.quota_bytes IS NOT NULL
                       AND COALESCE(u.bytes, 0) + sum(c.size) OVER (PARTITION BY c.workspace_id, c.live ORDER BY c.size, c.file_id, c.version_id
                                                                     ROWS UNBOUNDED PRECEDING) > w.quota_bytes AS over_quota
                  FROM candidates c JOIN workspaces w ON w.id = c.workspace_id
                  LEFT JOIN usage_locked u ON u.workspace_id = c.workspace_id),
            -- A usage row that did not exist when locked may have been inserted since: its own predicate still keeps the quota.
            usage AS (
                INSERT INTO workspace_usage AS u (workspace_id, files, bytes)
                SELECT workspace_id, count(DISTINCT file_id) FILTER (WHERE first_ready), sum(size)::bigint
                  FROM judged WHERE live AND NOT over_quota GROUP BY workspace_id
                ON CONFLICT (workspace_id) DO UPDATE SET files = u.files + EXCLUDED.files, bytes = u.bytes + EXCLUDED.bytes
                 WHERE NOT EXISTS (SELECT 1 FROM workspaces w WHERE w.id = u.workspace_id AND u.bytes + EXCLUDED.bytes > w.quota_bytes)
                RETURNING u.workspace_id),
            ready AS (
                UPDATE file_versions v
                   SET status = 'Ready', size = j.size, etag = j.etag, blob_version_id = j.blob_version_id, blob_snapshot = j.blob_snapshot,
                       verified = j.verified, ready_at = {now},
                       verification_owner = NULL, verification_token = NULL, verification_claimed_at = NULL
                  FROM judged j
                 WHERE v.file_id = j.file_id AND v.version_id = j.version_id AND NOT j.over_quota AND v.status = 'Uploading'
                   AND ((j.token IS NOT NULL AND v.verification_token = j.token)
                        OR (j.token IS NULL AND (v.verification_token IS NULL OR v.verification_claimed_at < {staleBefore})))
                   -- A deleted file's versions count in nothing until it is restored, so they need no room.
                   AND (NOT j.live OR j.workspace_id IN (SELECT workspace_id FROM usage))
                RETURNING v.file_id, v.version_id, v.size, v.created_at),
            current AS (
                UPDATE files f SET current_version_id = r.version_id, current_size = r.size, modified_at = r.created_at
                  FROM (SELECT DISTINCT ON (file_id) * FROM ready ORDER BY file_id, version_id DESC) r
                 WHERE f.id = r.file_id AND (f.current_version_id IS NULL OR f.current_version_id < r.version_id)
                RETURNING f.id)
            SELECT i.file_id AS "FileId", i.version_id AS "VersionId",
                   CASE WHEN r.file_id IS NOT NULL THEN 'ready'
                        WHEN j.file_id IS NULL OR NOT j.live THEN 'settled'
                        WHEN j.workspace_id NOT IN (SELECT workspace_id FROM usage)
                             AND j.workspace_id IN (SELECT workspace_id FROM judged WHERE live AND NOT over_quota) THEN 'retry'
                        WHEN j.over_quota THEN 'over-quota'
                        ELSE 'stale' END AS "Outcome",
                   EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.workspace_id = j.workspace_id) AS "Watched"
              FROM input i
              LEFT JOIN judged j ON j.file_id = i.file_id AND j.version_id = i.version_id
              LEFT JOIN ready r ON r.file_id = i.file_id AND r.version_id = i.version_id
            """).ToListAsync(ct);
    }
}

/// <summary>
/// The same steps as one batch: the versions as a JSON array read by OPENJSON; UPDLOCK reads of the file rows (locking reads
/// of the latest committed rows, held until the transaction ends, also under read committed snapshot); the live files'
/// usage rows read under UPDLOCK, HOLDLOCK (so concurrent readiness in one workspace is judged one after another, and a
/// missing row stays missing) and each version judged against its quota in ascending size; the updates with their OUTPUT in
/// table variables, only for versions that fit or whose file is deleted; then the usage of what became ready as MERGE under
/// HOLDLOCK, once per workspace.
/// </summary>
sealed class SqlServerVersionReadiness : IVersionReadiness
{
    internal const string MarkReadySql = """
        SET NOCOUNT ON;
        DECLARE @input TABLE (file_id uniqueidentifier NOT NULL, version_id bigint NOT NULL, size bigint NOT NULL, etag nvarchar(256) NOT NULL,
            blob_version_id nvarchar(256) NULL, blob_snapshot nvarchar(64) NULL, verified nvarchar(64) NULL, token uniqueidentifier NULL,
            PRIMARY KEY (file_id, version_id));
        DECLARE @locked TABLE (id uniqueidentifier NOT NULL PRIMARY KEY, workspace_id uniqueidentifier NOT NULL, deleted_at datetimeoffset NULL,
            current_version_id bigint NULL);
        DECLARE @judged TABLE (file_id uniqueidentifier NOT NULL, version_id bigint NOT NULL, workspace_id uniqueidentifier NOT NULL,
            live bit NOT NULL, first_ready bit NOT NULL, over_quota bit NOT NULL, PRIMARY KEY (file_id, version_id));
        DECLARE @ready TABLE (file_id uniqueidentifier NOT NULL, version_id bigint NOT NULL, size bigint NULL, created_at datetimeoffset NOT NULL);
        INSERT INTO @input (file_id, version_id, size, etag, blob_version_id, blob_snapshot, verified, token)
        SELECT file_id, version_id, size, etag, blob_version_id, blob_snapshot, verified, token
          FROM OPENJSON(@versions) WITH (file_id uniqueidentifier '$.file_id', version_id bigint '$.version_id', size bigint '$.size',
               etag nvarchar(256) '$.etag', blob_version_id nvarchar(256) '$.blob_version_id', blob_snapshot nvarchar(64) '$.blob_snapshot',
               verified nvarchar(64) '$.verified',
               token uniqueidentifier '$.token');
        INSERT INTO @locked (id, workspace_id, deleted_at, current_version_id)
        SELECT id, workspace_id, deleted_at, current_version_id FROM files WITH (UPDLOCK, ROWLOCK) WHERE id IN (SELECT file_id FROM @input);
        INSERT INTO @judged (file_id, version_id, workspace_id, live, first_ready, over_quota)
        SELECT c.file_id, c.version_id, c.workspace_id, c.live, c.first_ready,
               CASE WHEN c.live = 1 AND w.quota_bytes IS NOT NULL
                     AND COALESCE(u.bytes, 0) + SUM(c.size) OVER (PARTITION BY c.workspace_id, c.live ORDER BY c.size, c.file_id, c.version_id
                                                                  ROWS UNBOUNDED PRECEDING) > w.quota_bytes
                    THEN 1 ELSE 0 END
          FROM (SELECT i.file_id, i.version_id, i.size, l.workspace_id,
                       CASE WHEN l.deleted_at IS NULL THEN 1 ELSE 0 END AS live, CASE WHEN l.current_version_id IS NULL THEN 1 ELSE 0 END AS first_ready
                  FROM @input AS i
                  JOIN @locked AS l ON l.id = i.file_id
                  JOIN file_versions AS v ON v.file_id = i.file_id AND v.version_id = i.version_id
                 WHERE v.status = N'Uploading'
                   AND ((i.token IS NOT NULL AND v.verification_token = i.token)
                        OR (i.token IS NULL AND (v.verification_token IS NULL OR v.verification_claimed_at < @stale_before)))) AS c
          JOIN workspaces AS w ON w.id = c.workspace_id
          LEFT JOIN workspace_usage AS u WITH (UPDLOCK, HOLDLOCK) ON u.workspace_id = c.workspace_id AND c.live = 1;
        UPDATE v
           SET status = N'Ready', size = i.size, etag = i.etag, blob_version_id = i.blob_version_id, blob_snapshot = i.blob_snapshot,
               verified = i.verified, ready_at = @now,
               verification_owner = NULL, verification_token = NULL, verification_claimed_at = NULL
        OUTPUT inserted.file_id, inserted.version_id, inserted.size, inserted.created_at INTO @ready
          FROM file_versions AS v
          JOIN @input AS i ON i.file_id = v.file_id AND i.version_id = v.version_id
          JOIN @judged AS j ON j.file_id = v.file_id AND j.version_id = v.version_id
         WHERE j.over_quota = 0 AND v.status = N'Uploading'
           AND ((i.token IS NOT NULL AND v.verification_token = i.token)
                OR (i.token IS NULL AND (v.verification_token IS NULL OR v.verification_claimed_at < @stale_before)));
        UPDATE f SET current_version_id = r.version_id, current_size = r.size, modified_at = r.created_at
          FROM files AS f
          JOIN (SELECT file_id, version_id, size, created_at, ROW_NUMBER() OVER (PARTITION BY file_id ORDER BY version_id DESC) AS newest
                  FROM @ready) AS r ON r.file_id = f.id AND r.newest = 1
         WHERE f.current_version_id IS NULL OR f.current_version_id < r.version_id;
        MERGE workspace_usage WITH (HOLDLOCK) AS u
        USING (SELECT j.workspace_id, SUM(CAST(j.first_ready AS int)) AS files, SUM(r.size) AS bytes
                 FROM @ready AS r JOIN @judged AS j ON j.file_id = r.file_id AND j.version_id = r.version_id
                WHERE j.live = 1
                GROUP BY j.workspace_id) AS s
           ON u.workspace_id = s.workspace_id
        WHEN MATCHED THEN UPDATE SET files = u.files + s.files, bytes = u.bytes + s.bytes
        WHEN NOT MATCHED THEN INSERT (workspace_id, files, bytes) VALUES (s.workspace_id, s.files, s.bytes);
        SELECT i.file_id AS [FileId], i.version_id AS [VersionId],
               CASE WHEN r.file_id IS NOT NULL THEN N'ready'
                    WHEN j.file_id IS NULL OR j.live = 0 THEN N'settled'
                    WHEN j.over_quota = 1 THEN N'over-quota'
                    ELSE N'stale' END AS [Outcome],
               CAST(CASE WHEN EXISTS (SELECT 1 FROM webhook_endpoints AS e WHERE e.workspace_id = j.workspace_id) THEN 1 ELSE 0 END AS bit) AS [Watched]
          FROM @input AS i
          LEFT JOIN @judged AS j ON j.file_id = i.file_id AND j.version_id = i.version_id
          LEFT JOIN @ready AS r ON r.file_id = i.file_id AND r.version_id = i.version_id;
        """;

    public async Task<IReadOnlyList<ReadinessAnswer>> MarkReadyAsync(
        FileApiDb db, IReadOnlyList<ReadyVersion> versions, DateTimeOffset now, DateTimeOffset staleBefore, CancellationToken ct)
    {
        var json = JsonSerializer.Serialize(versions.Select(v => new
        {
            file_id = v.FileId, version_id = v.VersionId, size = v.Properties.ContentLength, etag = v.Properties.ETag,
            blob_version_id = v.Properties.VersionId, blob_snapshot = v.Properties.Snapshot, verified = v.Verified, token = v.Claim,
        }));
        return await db.Database.SqlQueryRaw<ReadinessAnswer>(MarkReadySql,
            new SqlParameter("@versions", System.Data.SqlDbType.NVarChar, -1) { Value = json },
            new SqlParameter("@now", now),
            new SqlParameter("@stale_before", staleBefore)).ToListAsync(ct);
    }
}
