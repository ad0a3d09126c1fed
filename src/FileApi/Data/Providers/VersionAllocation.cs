using FileApi.Auth;
using FileApi.Files;
using Microsoft.EntityFrameworkCore;

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
    Task<AllocatedVersion> AtPathAsync(FileApiDb db, FilePath path, NewVersion version, CancellationToken ct);

    /// <summary>Null when the file is not live in the workspace.</summary>
    Task<AllocatedVersion?> ForFileAsync(FileApiDb db, Guid fileId, NewVersion version, CancellationToken ct);
}

sealed class PostgreSqlVersionAllocation : IVersionAllocation
{
    const string UploadingStatus = nameof(VersionStatus.Uploading);

    public async Task<AllocatedVersion> AtPathAsync(FileApiDb db, FilePath path, NewVersion version, CancellationToken ct)
    {
        var (workspaceId, caller, declaration, now, uploadExpiresAt) = version;
        return (await db.Database.SqlQuery<AllocatedVersion>($"""
            WITH allocated AS (
                INSERT INTO files (id, workspace_id, folder, name, path_key, latest_version_id, created_at, created_by_id, created_by_name, created_by_email)
                VALUES ({Guid.CreateVersion7(now)}, {workspaceId}, {path.Folder}, {path.Name}, {path.Key}, {VersionIds.Candidate(now)}, {now},
                        {caller.Id}, CAST({caller.Name} AS varchar), CAST({caller.Email} AS varchar))
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
            """).ToListAsync(ct)).Single();
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

    internal const string AtPathSql = """
        SET NOCOUNT ON;
        DECLARE @allocated TABLE (id uniqueidentifier, latest_version_id bigint);
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

    internal const string ForFileSql = """
        SET NOCOUNT ON;
        DECLARE @allocated TABLE (id uniqueidentifier, latest_version_id bigint);
        UPDATE files SET latest_version_id = CASE WHEN @candidate > latest_version_id + @step THEN @candidate ELSE latest_version_id + @step END
        OUTPUT inserted.id, inserted.latest_version_id INTO @allocated
         WHERE id = @file_id AND workspace_id = @workspace_id AND deleted_at IS NULL;
        """ + InsertVersionSql;

    public async Task<AllocatedVersion> AtPathAsync(FileApiDb db, FilePath path, NewVersion version, CancellationToken ct) =>
        (await db.Database.SqlQueryRaw<AllocatedVersion>(AtPathSql, [
            .. Parameters(version),
            new Microsoft.Data.SqlClient.SqlParameter("@id", Guid.CreateVersion7(version.Now)),
            new Microsoft.Data.SqlClient.SqlParameter("@folder", path.Folder),
            new Microsoft.Data.SqlClient.SqlParameter("@name", path.Name),
            new Microsoft.Data.SqlClient.SqlParameter("@path_key", System.Data.SqlDbType.VarChar, SqlServerFileApiDb.PathKeyBytes) { Value = path.Key },
            new Microsoft.Data.SqlClient.SqlParameter("@now", version.Now),
        ]).ToListAsync(ct)).Single();

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
