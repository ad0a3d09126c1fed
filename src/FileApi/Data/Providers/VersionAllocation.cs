using FileApi.Auth;
using FileApi.Files;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace FileApi.Data.Providers;

/// <summary>What a new uploading version is registered with.</summary>
public sealed record NewVersion(Guid WorkspaceId, CallerIdentity Caller, RegisterRequest Declaration, DateTimeOffset Now, DateTimeOffset UploadExpiresAt)
{
    /// <summary>The declared metadata as stored: one JSON object, or null when none was given.</summary>
    public string? MetadataJson => Declaration.Metadata is { Count: > 0 } metadata ? VersionMetadata.Serialize(metadata) : null;

    /// <summary>
    /// The lease id that will seal the version's blob once it is ready, chosen now so completion needs no statement to
    /// choose one (rows registered before it was chosen here still get one at completion). Random: it guards the bytes.
    /// </summary>
    public Guid SealLeaseId { get; } = new(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
}

/// <summary>
/// Creates the file at a path or bumps its version counter, and inserts the uploading version, in one statement
/// (one batch on SQL Server): concurrent first uploads to one path agree on one file and get distinct, increasing ids.
/// </summary>
public interface IVersionAllocation
{
    /// <summary>
    /// Takes the claim's path locks, checks it, and allocates, in one round trip and one transaction (the caller's, if one
    /// is open); null when a file and a folder would share the name (<see cref="PathClaim"/>), and then nothing is written.
    /// </summary>
    Task<AllocatedVersion?> AtPathAsync(FileApiDb db, PathClaim claim, NewVersion version, CancellationToken ct);

    /// <summary>Null when the file is not live in the workspace.</summary>
    Task<AllocatedVersion?> ForFileAsync(FileApiDb db, Guid fileId, NewVersion version, CancellationToken ct);
}

sealed class PostgreSqlVersionAllocation : IVersionAllocation
{
    const string UploadingStatus = nameof(VersionStatus.Uploading);

    /// <summary>
    /// Two statements in one command: the path locks (as <see cref="PostgreSqlPathLocks"/> takes them), then the check and
    /// the allocation, which so read after the locks are granted. Without a transaction of the caller's, PostgreSQL runs
    /// a command's statements as one implicit transaction: the locks last until both are done, and an error undoes both.
    /// The file-or-folder check is two lookups of the path index, the second "the first key from the range's start": once
    /// the statement is prepared, PostgreSQL's generic plan of one OR over the ancestors and the range was a scan of every
    /// file (38 ms at 21,000 files), since it cannot know a range of parameters is narrow. The ancestors are looked up one
    /// by one: with "path_key = ANY (ancestors)", a files table not yet analyzed (a new deployment's first minute, a bulk
    /// import's first thousands of files) got a plan that read every key of the workspace and filtered them (6 ms at 11,000).
    /// </summary>
    public async Task<AllocatedVersion?> AtPathAsync(FileApiDb db, PathClaim claim, NewVersion version, CancellationToken ct)
    {
        var (workspaceId, caller, declaration, now, uploadExpiresAt) = version;
        var path = claim.Path;
        return await SecondResultAsync(db, $"""
            SELECT pg_advisory_xact_lock(hashtextextended({claim.ExclusiveLockKey}, 0))
              FROM (SELECT count(pg_advisory_xact_lock_shared(hashtextextended(k, 0))) FROM unnest({claim.SharedLockKeys}) AS k) AS shared;
            WITH allocated AS (
                INSERT INTO files (id, workspace_id, folder, name, path_key, latest_version_id, created_at, created_by_id, created_by_name, created_by_email)
                SELECT {Guid.CreateVersion7(now)}, {workspaceId}, {path.Folder}, {path.Name}, {path.Key}, {VersionIds.Candidate(now)}, {now},
                       {caller.Id}, CAST({caller.Name} AS varchar), CAST({caller.Email} AS varchar)
                 WHERE NOT EXISTS (SELECT 1 FROM unnest({claim.AncestorKeys}) AS ancestor(key)
                                    CROSS JOIN LATERAL (SELECT 1 FROM files AS f
                                                         WHERE f.workspace_id = {workspaceId} AND f.deleted_at IS NULL AND f.path_key = ancestor.key
                                                         LIMIT 1) AS file_at_ancestor)
                   AND NOT EXISTS (SELECT 1 FROM (SELECT f.path_key FROM files AS f
                                                   WHERE f.workspace_id = {workspaceId} AND f.deleted_at IS NULL AND f.path_key >= {claim.UnderFrom}
                                                   ORDER BY f.path_key LIMIT 1) AS next_key
                                    WHERE next_key.path_key < {claim.UnderTo})
                ON CONFLICT (workspace_id, path_key) WHERE deleted_at IS NULL
                DO UPDATE SET latest_version_id = GREATEST(EXCLUDED.latest_version_id, files.latest_version_id + {VersionIds.Step})
                RETURNING id, latest_version_id)
            INSERT INTO file_versions (file_id, version_id, status, created_at, created_by_id, created_by_name, created_by_email,
                                       upload_expires_at, declared_size, declared_md5, declared_sha256, content_type, metadata, seal_lease_id)
            SELECT id, latest_version_id, {UploadingStatus}, timestamptz 'epoch' + (latest_version_id / {VersionIds.Step}) * interval '1 microsecond',
                   {caller.Id}, CAST({caller.Name} AS varchar), CAST({caller.Email} AS varchar), {uploadExpiresAt},
                   CAST({declaration.Size} AS bigint), CAST({declaration.ContentMd5} AS varchar), CAST({declaration.ContentSha256} AS varchar),
                   CAST({declaration.ContentType} AS varchar), CAST({version.MetadataJson} AS text), {version.SealLeaseId}
              FROM allocated
            RETURNING file_id AS "FileId", version_id AS "VersionId"
            """, ct);
    }

    /// <summary>
    /// The row of a two-statement command's second statement. EF's SqlQuery maps only a command's first result, so the
    /// command goes through EF's own raw command, as SqlQuery's does (same connection, transaction, interceptors and logs).
    /// </summary>
    static async Task<AllocatedVersion?> SecondResultAsync(FileApiDb db, FormattableString sql, CancellationToken ct)
    {
        var command = db.GetService<IRawSqlCommandBuilder>().Build(sql.Format, sql.GetArguments()!, db.Model);
        await using var reader = await command.RelationalCommand.ExecuteReaderAsync(new RelationalCommandParameterObject(
            db.GetService<IRelationalConnection>(), command.ParameterValues, readerColumns: null, db,
            db.GetService<IRelationalCommandDiagnosticsLogger>(), CommandSource.FromSqlQuery), ct);
        var rows = reader.DbDataReader;
        if (!await rows.NextResultAsync(ct) || !await rows.ReadAsync(ct))
            return null;
        return new AllocatedVersion(rows.GetGuid(0), rows.GetInt64(1));
    }

    public async Task<AllocatedVersion?> ForFileAsync(FileApiDb db, Guid fileId, NewVersion version, CancellationToken ct)
    {
        var (workspaceId, caller, declaration, now, uploadExpiresAt) = version;
        return (await db.Database.SqlQuery<AllocatedVersion>($"""
            WITH allocated AS (
                UPDATE files SET latest_version_id = GREATEST({VersionIds.Candidate(now)}, latest_version_id + {VersionIds.Step})
                 WHERE id = {fileId} AND workspace_id = {workspaceId} AND deleted_at IS NULL
                RETURNING id, latest_version_id)
            INSERT INTO file_versions (file_id, version_id, status, created_at, created_by_id, created_by_name, created_by_email,
                                       upload_expires_at, declared_size, declared_md5, declared_sha256, content_type, metadata, seal_lease_id)
            SELECT id, latest_version_id, {UploadingStatus}, timestamptz 'epoch' + (latest_version_id / {VersionIds.Step}) * interval '1 microsecond',
                   {caller.Id}, CAST({caller.Name} AS varchar), CAST({caller.Email} AS varchar), {uploadExpiresAt},
                   CAST({declaration.Size} AS bigint), CAST({declaration.ContentMd5} AS varchar), CAST({declaration.ContentSha256} AS varchar),
                   CAST({declaration.ContentType} AS varchar), CAST({version.MetadataJson} AS text), {version.SealLeaseId}
              FROM allocated
            RETURNING file_id AS "FileId", version_id AS "VersionId"
            """).ToListAsync(ct)).SingleOrDefault();
    }
}

/// <summary>
/// MERGE under HOLDLOCK (a key-range lock on the live path, so two first uploads cannot both insert), its OUTPUT into
/// a table variable, then the version insert reading it; created_at is the id's microseconds since the epoch, as on PostgreSQL.
/// </summary>
sealed class SqlServerVersionAllocation : IVersionAllocation
{
    // DATEADD takes an int, so the id's microseconds are added as days, seconds and microseconds.
    internal const string InsertVersionSql = """
        INSERT INTO file_versions (file_id, version_id, status, created_at, created_by_id, created_by_name, created_by_email,
                                   upload_expires_at, declared_size, declared_md5, declared_sha256, content_type, metadata, seal_lease_id)
        OUTPUT inserted.file_id AS [FileId], inserted.version_id AS [VersionId]
        SELECT id, latest_version_id, N'Uploading',
               DATEADD(microsecond, CAST((latest_version_id / @step) % 1000000 AS int),
                 DATEADD(second, CAST((latest_version_id / @step / 1000000) % 86400 AS int),
                   DATEADD(day, CAST(latest_version_id / @step / 86400000000 AS int), CAST('1970-01-01T00:00:00+00:00' AS datetimeoffset)))),
               @caller_id, @caller_name, @caller_email, @upload_expires_at, @declared_size, @declared_md5, @declared_sha256,
               @content_type, @metadata, @seal_lease_id
          FROM @allocated;
        """;

    /// <summary>
    /// The path locks (<see cref="SqlServerPathLocks.LockSql"/>: @r0, @r1, … then @rx), then the file-or-folder check
    /// on the ancestors' keys (@a0, @a1, …) and the range under the path, then the allocation, in one batch.
    /// </summary>
    internal static string AtPathSql(int ancestorCount)
    {
        var ancestors = ancestorCount == 0 ? "" : $"path_key IN ({string.Join(", ", Enumerable.Range(0, ancestorCount).Select(n => $"@a{n}"))}) OR ";
        return SqlServerPathLocks.LockSql(ancestorCount) + $"""
            DECLARE @allocated TABLE (id uniqueidentifier, latest_version_id bigint);
            IF NOT EXISTS (SELECT 1 FROM files WHERE workspace_id = @workspace_id AND deleted_at IS NULL
                              AND ({ancestors}(path_key >= @under_from AND path_key < @under_to)))
                MERGE files WITH (HOLDLOCK) AS f
                USING (SELECT @workspace_id AS workspace_id, @path_key AS path_key) AS s
                   ON f.workspace_id = s.workspace_id AND f.path_key = s.path_key AND f.deleted_at IS NULL
                WHEN MATCHED THEN
                    UPDATE SET latest_version_id = CASE WHEN @candidate > f.latest_version_id + @step THEN @candidate ELSE f.latest_version_id + @step END
                WHEN NOT MATCHED THEN
                    INSERT (id, workspace_id, folder, name, path_key, latest_version_id, created_at, created_by_id, created_by_name, created_by_email)
                    VALUES (@id, @workspace_id, @folder, @name, @path_key, @candidate, @now, @caller_id, @caller_name, @caller_email)
                OUTPUT inserted.id, inserted.latest_version_id INTO @allocated;

            """ + InsertVersionSql;
    }

    internal const string ForFileSql = """
        SET NOCOUNT ON;
        DECLARE @allocated TABLE (id uniqueidentifier, latest_version_id bigint);
        UPDATE files SET latest_version_id = CASE WHEN @candidate > latest_version_id + @step THEN @candidate ELSE latest_version_id + @step END
        OUTPUT inserted.id, inserted.latest_version_id INTO @allocated
         WHERE id = @file_id AND workspace_id = @workspace_id AND deleted_at IS NULL;
        """ + InsertVersionSql;

    /// <summary>Application locks are owned by a transaction, so without one of the caller's the batch runs in its own.</summary>
    public async Task<AllocatedVersion?> AtPathAsync(FileApiDb db, PathClaim claim, NewVersion version, CancellationToken ct)
    {
        var path = claim.Path;
        object[] parameters =
        [
            .. Parameters(version),
            .. claim.SharedLockKeys.Select((key, n) => new Microsoft.Data.SqlClient.SqlParameter($"@r{n}", SqlServerPathLocks.Resource(key))),
            new Microsoft.Data.SqlClient.SqlParameter("@rx", SqlServerPathLocks.Resource(claim.ExclusiveLockKey)),
            .. claim.AncestorKeys.Select((key, n) => PathKey($"@a{n}", key)),
            // One byte longer than a key: a parameter longer than its size is cut short, and these are a key and a character.
            PathKey("@under_from", claim.UnderFrom, SqlServerFileApiDb.PathKeyBytes + 1),
            PathKey("@under_to", claim.UnderTo, SqlServerFileApiDb.PathKeyBytes + 1),
            new Microsoft.Data.SqlClient.SqlParameter("@id", Guid.CreateVersion7(version.Now)),
            new Microsoft.Data.SqlClient.SqlParameter("@folder", path.Folder),
            new Microsoft.Data.SqlClient.SqlParameter("@name", path.Name),
            PathKey("@path_key", path.Key),
            new Microsoft.Data.SqlClient.SqlParameter("@now", version.Now),
        ];
        await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        var allocated = (await db.Database.SqlQueryRaw<AllocatedVersion>(AtPathSql(claim.AncestorKeys.Length), parameters).ToListAsync(ct)).SingleOrDefault();
        if (transaction is not null)
            await transaction.CommitAsync(ct);
        return allocated;
    }

    static Microsoft.Data.SqlClient.SqlParameter PathKey(string name, string key, int size = SqlServerFileApiDb.PathKeyBytes) =>
        new(name, System.Data.SqlDbType.VarChar, size) { Value = key };

    public async Task<AllocatedVersion?> ForFileAsync(FileApiDb db, Guid fileId, NewVersion version, CancellationToken ct) =>
        (await db.Database.SqlQueryRaw<AllocatedVersion>(ForFileSql, [
            .. Parameters(version),
            new Microsoft.Data.SqlClient.SqlParameter("@file_id", fileId),
        ]).ToListAsync(ct)).SingleOrDefault();

    static object[] Parameters(NewVersion version) =>
    [
        new Microsoft.Data.SqlClient.SqlParameter("@workspace_id", version.WorkspaceId),
        new Microsoft.Data.SqlClient.SqlParameter("@candidate", VersionIds.Candidate(version.Now)),
        new Microsoft.Data.SqlClient.SqlParameter("@step", VersionIds.Step),
        new Microsoft.Data.SqlClient.SqlParameter("@caller_id", version.Caller.Id),
        new Microsoft.Data.SqlClient.SqlParameter("@caller_name", (object?)version.Caller.Name ?? DBNull.Value),
        new Microsoft.Data.SqlClient.SqlParameter("@caller_email", (object?)version.Caller.Email ?? DBNull.Value),
        new Microsoft.Data.SqlClient.SqlParameter("@upload_expires_at", version.UploadExpiresAt),
        new Microsoft.Data.SqlClient.SqlParameter("@declared_size", (object?)version.Declaration.Size ?? DBNull.Value),
        new Microsoft.Data.SqlClient.SqlParameter("@declared_md5", (object?)version.Declaration.ContentMd5 ?? DBNull.Value),
        new Microsoft.Data.SqlClient.SqlParameter("@declared_sha256", (object?)version.Declaration.ContentSha256 ?? DBNull.Value),
        new Microsoft.Data.SqlClient.SqlParameter("@content_type", (object?)version.Declaration.ContentType ?? DBNull.Value),
        new Microsoft.Data.SqlClient.SqlParameter("@metadata", System.Data.SqlDbType.NVarChar, -1) { Value = (object?)version.MetadataJson ?? DBNull.Value },
        new Microsoft.Data.SqlClient.SqlParameter("@seal_lease_id", version.SealLeaseId),
    ];
}
